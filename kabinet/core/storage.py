"""Private file names: generated, never the user's name, never under a public URL."""

from __future__ import annotations

import posixpath
import uuid

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


def held_upload_to(instance, filename: str) -> str:
    return private_upload_to("held")(instance, filename)
