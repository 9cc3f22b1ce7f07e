"""Private file names: generated, never the user's name, never under a public URL; the local storage."""

from __future__ import annotations

import contextlib
import os
import posixpath
import uuid

from django.core.files.storage import FileSystemStorage
from django.utils import timezone


def private_upload_to(prefix: str):
    def upload_to(instance, filename: str) -> str:
        ext = posixpath.splitext(filename)[1].lower()[:10]
        org_id = getattr(instance, "organization_id", None) or "common"
        return f"{prefix}/{org_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"

    upload_to.__qualname__ = f"private_upload_to_{prefix}"
    return upload_to


def document_upload_to(instance, filename: str) -> str:
    return private_upload_to("documents")(instance, filename)


def closing_document_upload_to(instance, filename: str) -> str:
    return private_upload_to("closing")(instance, filename)


def attachment_upload_to(instance, filename: str) -> str:
    return private_upload_to("attachments")(instance, filename)


def template_upload_to(instance, filename: str) -> str:
    return private_upload_to("templates")(instance, filename)


def rules_upload_to(instance, filename: str) -> str:
    return private_upload_to("rules")(instance, filename)


def facsimile_upload_to(instance, filename: str) -> str:
    return private_upload_to("facsimiles")(instance, filename)


def invoice_upload_to(instance, filename: str) -> str:
    return private_upload_to("invoices")(instance, filename)


def reconciliation_upload_to(instance, filename: str) -> str:
    return private_upload_to("reconciliations")(instance, filename)


def held_upload_to(instance, filename: str) -> str:
    return private_upload_to("held")(instance, filename)


class LocalFileStorage(FileSystemStorage):
    """The filesystem storage that leaves nothing half written: when a write fails (the disk full,
    ENOSPC) the partial file is removed before the error goes on (Django's own leaves it)."""

    def _save(self, name, content):
        existed = self.exists(name)
        try:
            return super()._save(name, content)  # type: ignore[misc]  # reason: Django's hook, absent from the stubs
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(self.path(name))
            raise
