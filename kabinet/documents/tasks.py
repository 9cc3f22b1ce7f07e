"""The documents' background tasks: text extraction for search and the purge of abandoned kept uploads."""

from __future__ import annotations

from django_tasks import task

from kabinet.documents.held import purge_expired
from kabinet.documents.services import document_extract_text

# Its own queue and worker: a file that keeps the reader busy up to its limits never delays a sign-in
# code, an e-mail or a webhook, which wait in "default" (settings.TASKS, `manage.py serve`, deploy/).
EXTRACTION_QUEUE = "extraction"


@task(queue_name=EXTRACTION_QUEUE)
def extract_text(document_id: int) -> None:
    document_extract_text(document_id)


@task()
def purge_held_uploads() -> int:
    return purge_expired()
