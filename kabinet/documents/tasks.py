from __future__ import annotations

from django_tasks import task

from kabinet.documents.held import purge_expired
from kabinet.documents.services import document_extract_text


@task()
def extract_text(document_id: int) -> None:
    document_extract_text(document_id)


@task()
def purge_held_uploads() -> int:
    return purge_expired()
