"""Faults an operator meets: the media disk full during an upload, the database connection lost mid-request.
The user reads what happened in Russian (a 503, never a 500) and nothing is left half written."""

from __future__ import annotations

import errno

from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from kabinet.core.storage import LocalFileStorage
from kabinet.documents.models import Document

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class FullDiskStorage(LocalFileStorage):
    """Takes the first file whole, then fails the second after its first bytes: a disk that fills up."""

    saved = 0

    def _save(self, name, content):
        type(self).saved += 1
        if type(self).saved == 1:
            return super()._save(name, content)

        class Filling(File):
            def chunks(self, chunk_size=None):
                yield b"%PDF-1.4 half"
                raise OSError(errno.ENOSPC, "No space left on device")

        return super()._save(name, Filling(content.file, content.name))


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_disk_refuses_the_upload_in_words_and_leaves_no_row_and_no_file(client_a, settings, tmp_path):
    media = tmp_path / "full-media"
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FullDiskStorage"}}
    FullDiskStorage.saved = 0
    client = Client(raise_request_exception=False)
    client.cookies = client_a.cookies
    before = Document.objects.count()
    response = client.post(
        "/documents/upload/",
        {"doc_type": "Акт", "files": [_upload("one.pdf"), _upload("two.pdf")]},
    )
    assert response.status_code == 503, response.status_code
    assert "Хранилище файлов переполнено" in response.content.decode()
    assert Document.objects.count() == before
    assert FullDiskStorage.saved == 2  # the first file was stored, then removed with the rollback
    assert _files(media) == []


def test_the_database_lost_mid_request_is_a_russian_503_not_a_500(client_a, monkeypatch):
    client = Client(raise_request_exception=False)
    client.cookies = client_a.cookies

    def restarting(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    # A read the list makes on every page (its rows come from a query compiled once, not `document_list`).
    monkeypatch.setattr("kabinet.documents.views.selectors.with_signature_statuses", restarting)
    response = client.get("/documents/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Сервис временно недоступен" in response.content.decode()


def _upload(name: str):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
