"""The back office's forms in staff's words: the document form has no technical fields; the type and
the size of the file are derived from the file and shown read-only («PDF, 1,2 МБ»)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.documents.models import Document

PDF = b"%PDF-1.4\n%test\n"
TECHNICAL_LABELS = ("Тип содержимого", "тип содержимого", "Размер, байт", "размер, байт", "Внешний идентификатор")


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def document(org_a):
    doc = Document(
        organization=org_a,
        direction=Document.Direction.INCOMING,
        doc_type="Акт сверки",
        title="Акт сверки за 1 квартал",
        original_name="Акт сверки.pdf",
        document_date=date(2026, 3, 31),
        content_type="application/pdf",
        size=1_258_291,
    )
    doc.file.save("act.pdf", ContentFile(PDF), save=False)
    doc.save()
    return doc


def test_the_document_form_has_no_technical_fields(staff_client, document):
    for url in ("/admin/documents/document/add/", f"/admin/documents/document/{document.pk}/change/"):
        html = staff_client.get(url).content.decode()
        for label in TECHNICAL_LABELS:
            assert label not in html, (url, label)
        for name in ("content_type", "size", "external_id"):
            assert f'name="{name}"' not in html, (url, name)


def test_the_file_type_and_size_are_shown_in_words(staff_client, document):
    html = staff_client.get(f"/admin/documents/document/{document.pk}/change/").content.decode()
    assert "Тип и размер файла" in html
    assert "PDF, 1,2\xa0МБ" in html
    listing = staff_client.get("/admin/documents/document/").content.decode()
    assert "PDF, 1,2\xa0МБ" in listing


def test_a_file_added_by_staff_gets_its_type_and_size_from_the_file(staff_client, org_a):
    data = {
        "organization": org_a.pk,
        "direction": Document.Direction.INCOMING,
        "category": Document.Category.OTHER,
        "doc_type": "Письмо",
        "title": "Письмо о переуступке",
        "original_name": "",
        "document_date": "01.04.2026",
        "is_published": "on",
    }
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="application/pdf")
    response = staff_client.post("/admin/documents/document/add/", {**data, "file": png})
    assert response.status_code == 302, response.context["adminform"].form.errors
    document = Document.objects.get(title="Письмо о переуступке")
    assert document.content_type == "image/png"  # by the content, not by what the browser said
    assert document.size == 40
    # A file that is not what its name says is refused next to the field.
    fake = SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = staff_client.post("/admin/documents/document/add/", {**data, "title": "Подделка", "file": fake})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert not Document.objects.filter(title="Подделка").exists()
