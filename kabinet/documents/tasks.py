from __future__ import annotations

from django_tasks import task


@task()
def extract_text(document_id: int) -> None:
    from kabinet.documents.services import document_extract_text

    document_extract_text(document_id)


@task()
def purge_held_uploads() -> int:
    from kabinet.documents.held import purge_expired

    return purge_expired()
