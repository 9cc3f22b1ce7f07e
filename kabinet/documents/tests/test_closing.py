"""«Закрывающие документы»: the one record, the books' API, the list with totals per VAT
rate, the streamed pack with its register, the monthly notice, isolation and the query count."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.api.models import ApiToken
from kabinet.contracts.models import ClosingDocument, ClosingDocumentVat
from kabinet.core.xlsx import read_workbook
from kabinet.documents import closing
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.testing.factories import ContractFactory, CreditorFactory, ProductFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse
from kabinet.web.jobs import registered

PDF = b"%PDF-1.4\n% closing document\n"
XML = '<?xml version="1.0" encoding="windows-1251"?><Файл ИдФайл="ON_NSCHFDOPPR_1"/>'.encode("cp1251")


def make(
    org, contract, number: str, day: date, amount: str, vat: dict[str, str], *, pdf=True, xml=False, kind="upd", pad=0
):
    document = ClosingDocument(
        organization=org,
        creditor=contract.product.creditor,
        contract=contract,
        kind=kind,
        number=number,
        date=day,
        period_start=day.replace(day=1),
        period_end=day,
        amount=Decimal(amount),
    )
    if pdf:
        document.pdf.save(f"{number}.pdf", ContentFile(PDF + number.encode() + b"0" * pad), save=False)
    if xml:
        document.xml.save(f"{number}.xml", ContentFile(XML), save=False)
    document.save()
    for rate, tax in vat.items():
        ClosingDocumentVat.objects.create(
            organization=org, document=document, rate=Decimal(rate), amount=Decimal(amount), vat=Decimal(tax)
        )
    return document


@pytest.fixture
def contract_a(org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="ДЛ-001")


@pytest.fixture
def november(org_a, contract_a):
    return [
        make(org_a, contract_a, "123", date(2026, 11, 30), "122000.00", {"22": "22000.00"}, xml=True),
        make(org_a, contract_a, "118", date(2026, 11, 15), "120000.00", {"20": "20000.00"}),
        make(org_a, contract_a, "СФ-7", date(2026, 11, 3), "1000.00", {}, kind="invoice"),
        make(org_a, contract_a, "99", date(2026, 10, 31), "5000.00", {"22": "901.64"}),  # October: not in November
    ]


def test_the_page_lists_the_month_with_totals_per_rate(client_a, november):
    response = client_a.get("/documents/closing/", {"month": "2026-11"})
    assert response.status_code == 200
    html = parse(response)
    rows = html.find("table", data_testid="closing-documents").find("tbody").find_all("tr")
    assert [r.find_all("td")[1].text for r in rows] == ["СФ-7", "118", "123"]
    assert html.find(data_testid="closing-count").text == "3"
    text = response.content.decode()
    for expected in ("Закрывающие документы", "НДС 22 %", "НДС 20 %", "Скачать пакет", "Счёт-фактура", "УПД"):
        assert expected in text, expected
    vat = [node.text.replace("\xa0", " ").replace("\u202f", " ") for node in html.find_all(data_testid="closing-vat")]
    assert vat == ["22 000,00 ₽", "20 000,00 ₽"]


def test_a_range_and_a_bad_range(client_a, november):
    response = client_a.get("/documents/closing/", {"date_from": "2026-10-01", "date_to": "2026-11-30"})
    assert parse(response).find(data_testid="closing-count").text == "4"
    bad = client_a.get("/documents/closing/", {"date_from": "2026-11-30", "date_to": "2026-11-01"})
    assert bad.status_code == 200 and "Конец периода раньше его начала." in bad.content.decode()


def test_menu_item(client_a, november):
    html = client_a.get("/documents/closing/").content.decode()
    assert 'href="/documents/closing/"' in html and 'aria-current="page"' in html


def test_the_list_reads_a_constant_number_of_queries(client_a, org_a, contract_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get("/documents/closing/", {"month": "2026-11"}).status_code == 200
        return len(queries)

    make(org_a, contract_a, "1", date(2026, 11, 1), "100.00", {"22": "18.03"})
    count()  # the first page of a session fills the header's cache
    few = count()
    for n in range(2, 30):
        make(org_a, contract_a, str(n), date(2026, 11, n % 28 + 1), "100.00", {"22": "18.03", "0": "0.00"})
    assert count() == few


def _pack(client, **query):
    response = client.get("/documents/closing/pack.zip", query)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_pack_files_the_month_and_its_register_sums_equal_the_documents(client_a, november):
    archive = _pack(client_a, month="2026-11")
    names = archive.namelist()
    register = next(n for n in names if n.endswith(".xlsx"))
    assert register == "Реестр закрывающих документов 01.11.2026–30.11.2026.xlsx"
    assert sorted(n for n in names if n != register) == [
        "2026-11/СФ_СФ-7_от_03.11.2026_ДЛ-001.pdf",
        "2026-11/УПД_118_от_15.11.2026_ДЛ-001.pdf",
        "2026-11/УПД_123_от_30.11.2026_ДЛ-001.pdf",
        "2026-11/УПД_123_от_30.11.2026_ДЛ-001.xml",
    ]
    assert archive.read("2026-11/УПД_123_от_30.11.2026_ДЛ-001.pdf") == PDF + b"123"
    sheet = read_workbook(archive.read(register)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[2]
    assert header == [
        "Номер",
        "Дата",
        "Вид документа",
        "Договор",
        "Сумма с НДС, ₽",
        "НДС 22 %, ₽",
        "НДС 20 %, ₽",
        "Сумма без НДС, ₽",
    ]
    body, total = rows[3:-1], rows[-1]
    assert [r[0] for r in body] == ["СФ-7", "118", "123"]
    documents = ClosingDocument.objects.filter(date__month=11)
    assert sum(Decimal(str(r[4])) for r in body) == sum(d.amount for d in documents) == Decimal("243000.00")
    assert sum(Decimal(str(r[5] or 0)) for r in body) == Decimal("22000.00") == Decimal(str(total[5]))
    assert sum(Decimal(str(r[6] or 0)) for r in body) == Decimal("20000.00") == Decimal(str(total[6]))
    assert Decimal(str(total[4])) == Decimal("243000.00") and Decimal(str(total[7])) == Decimal("201000.00")


def test_another_organizations_documents_are_not_reached(client_a, november, org_b, contract_b):
    theirs = make(org_b, contract_b, "555", date(2026, 11, 20), "1000.00", {"22": "180.33"}, xml=True)
    assert client_a.get(f"/documents/closing/{theirs.pk}/pdf/").status_code == 404
    assert client_a.get(f"/documents/closing/{theirs.pk}/xml/").status_code == 404
    assert not any("555" in n for n in _pack(client_a, month="2026-11").namelist())
    assert "555" not in client_a.get("/documents/closing/", {"month": "2026-11"}).content.decode()
    mine = november[0]
    assert client_a.get(f"/documents/closing/{mine.pk}/pdf/").status_code == 200


def _peak(org, contract, count: int, start: int) -> int:
    for n in range(start, start + count):
        make(org, contract, f"N{n}", date(2026, 1 + n % 12, 1 + n % 28), "1200.00", {"22": "216.39"}, pad=65536)
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in closing.pack_stream(org, date(2026, 1, 1), date(2026, 12, 31)))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 0
    return peak


def test_the_pack_streams_with_memory_that_does_not_follow_the_count(org_a, contract_a, monkeypatch):
    """Ten times the documents, the same peak: the rows are read a chunk at a time (20 here, as a year of a
    5,000-contract client is read 1,000 at a time), the files a buffer at a time, the register's rows go to
    its temporary file and the ZIP's central directory to another. What is left is the register's table of
    distinct texts (openpyxl keeps it for the end: about 70 bytes a document) — under 256 bytes a file."""
    monkeypatch.setattr(closing, "CHUNK_ROWS", 20)
    small = _peak(org_a, contract_a, 60, 0)
    large = _peak(org_a, contract_a, 540, 60)  # 600 in all
    assert large - small < 540 * 256, (small, large)  # 540 files of 64 KB went through: 35 MB


# --- The books' API ---------------------------------------------------------------------------------


@pytest.fixture
def books(creditor, org_a, contract_a):
    creditor.clients.add(org_a)
    org_a.external_id, contract_a.external_id = "ORG-A", "C-A"
    org_a.save()
    contract_a.save()
    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(name='1C', creditor=creditor, can_write=True)[1]}")


BODY = {
    "organization": "ORG-A",
    "contract": "C-A",
    "kind": "upd",
    "number": "123",
    "date": "2026-11-30",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "amount": "122000.00",
    "vat": [{"rate": "22", "vat": "22000.00"}],
}


def _put(client, url, body):
    return client.put(url, body, content_type="application/json")


def test_api_upsert_is_idempotent_and_validates_by_field(books, contract_a):
    first = _put(books, "/api/v1/closing-documents/UPD-123/", BODY)
    assert first.status_code == 201, first.json()
    again = _put(books, "/api/v1/closing-documents/UPD-123/", BODY)
    assert again.status_code == 200 and again.json()["changed"] is False
    changed = _put(books, "/api/v1/closing-documents/UPD-123/", {**BODY, "amount": "122000.01"})
    assert changed.json()["changed"] is True
    document = ClosingDocument.objects.get()
    assert document.amount == Decimal("122000.01") and document.vat_lines.get().vat == Decimal("22000.00")
    # Sent again under another id, the same kind, number and date is the same document.
    assert _put(books, "/api/v1/closing-documents/OTHER/", BODY).status_code == 400
    too_much = _put(books, "/api/v1/closing-documents/X/", {**BODY, "number": "9", "amount": "1" + "0" * 14})
    assert too_much.status_code == 400 and "amount" in too_much.json()
    bad_vat = _put(
        books, "/api/v1/closing-documents/X/", {**BODY, "number": "9", "vat": [{"rate": "22", "vat": "1E9"}]}
    )
    assert bad_vat.status_code == 400 and "vat" in bad_vat.json()
    assert _put(books, "/api/v1/closing-documents/X/", {**BODY, "kind": "бланк"}).json().keys() == {"kind"}


def test_api_files_and_the_library_entry(books, client_a):
    _put(books, "/api/v1/closing-documents/UPD-123/", BODY)
    response = books.generic(
        "POST",
        "/api/v1/closing-documents/UPD-123/pdf/",
        _multipart({"file": ("upd.pdf", PDF)}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 200, response.content
    xml = books.generic(
        "POST",
        "/api/v1/closing-documents/UPD-123/xml/",
        _multipart({"file": ("upd.xml", XML)}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert xml.status_code == 200, xml.content
    not_xml = books.generic(
        "POST",
        "/api/v1/closing-documents/UPD-123/xml/",
        _multipart({"file": ("upd.xml", b"hello")}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert not_xml.status_code == 400 and "file" in not_xml.json()
    document = ClosingDocument.objects.get()
    entry = Document.objects.get(closing_document=document)
    assert entry.doc_type == "УПД" and entry.title == "УПД № 123 от 30.11.2026" and entry.file.name == document.pdf.name
    assert client_a.get(f"/documents/{entry.pk}/download/").status_code == 200
    assert "УПД № 123 от 30.11.2026" in client_a.get("/documents/", {"q": "УПД 123"}).content.decode()
    assert books.delete("/api/v1/closing-documents/UPD-123/").json()["deleted"] is True
    assert not ClosingDocument.objects.exists() and not Document.objects.filter(pk=entry.pk).exists()


def _multipart(files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = []
    for field, (name, content) in files.items():
        parts.append(
            b"--BoUnDaRy\r\n"
            + f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'.encode()
            + b"Content-Type: application/octet-stream\r\n\r\n"
            + content
            + b"\r\n"
        )
    return b"".join(parts) + b"--BoUnDaRy--\r\n"


def test_api_another_creditors_document_is_404(books, org_a, contract_a):
    other = CreditorFactory()
    theirs = ContractFactory(organization=org_a, product=ProductFactory(creditor=other), number="ЧУЖОЙ")
    document = make(org_a, theirs, "77", date(2026, 11, 1), "10.00", {})
    document.external_id = "THEIRS"
    document.save()
    assert books.delete("/api/v1/closing-documents/THEIRS/").status_code == 404
    assert ClosingDocument.objects.filter(pk=document.pk).exists()


def test_api_lines_make_the_act_cite_the_document(books, contract_a):
    line = ScheduledPaymentFactory(contract=contract_a, organization=contract_a.organization, external_id="L-11")
    response = _put(books, "/api/v1/closing-documents/UPD-123/", {**BODY, "lines": ["L-11"]})
    assert response.status_code == 201
    line.refresh_from_db()
    assert (line.document_kind, line.document_number, line.document_date) == ("УПД", "123", date(2026, 11, 30))
    missing = _put(books, "/api/v1/closing-documents/UPD-123/", {**BODY, "lines": ["NOPE"]})
    assert missing.status_code == 400 and "lines" in missing.json()


def test_the_api_is_in_the_openapi_document(books, staff, client):
    schema = Client(HTTP_AUTHORIZATION=books.defaults["HTTP_AUTHORIZATION"]).get("/api/v1/schema/")
    text = schema.content.decode()
    assert "/api/v1/closing-documents/{external_id}/" in text and "/api/v1/closing-documents/{external_id}/pdf/" in text


# --- The monthly notice -----------------------------------------------------------------------------


def test_the_monthly_notice_goes_once_per_organization_and_month(settings, november, admin_a):
    settings.CLOSING_DOCUMENTS_NOTICE_DAY = 5
    assert closing.closing_documents_notify(date(2026, 12, 4)) == 0
    assert closing.closing_documents_notify(date(2026, 12, 5)) == 1
    assert closing.closing_documents_notify(date(2026, 12, 6)) == 0
    notice = Notification.objects.get(user=admin_a, kind=Notification.Kind.CLOSING_DOCUMENTS)
    assert notice.title == "Закрывающие документы за ноябрь готовы"
    assert notice.link == "/documents/closing/?month=2026-11"
    assert "3 документов" in notice.body or "3 " in notice.body


def test_the_job_is_registered():
    assert "closing_documents_notice" in {job.name for job in registered()}


# --- The back office --------------------------------------------------------------------------------


def test_the_back_office_lists_and_edits_closing_documents_in_russian(client, staff, november):
    client.force_login(staff)
    listing = client.get("/admin/contracts/closingdocument/").content.decode()
    assert "Закрывающие документы" in listing and "123" in listing
    document = november[0]
    page = client.get(f"/admin/contracts/closingdocument/{document.pk}/change/").content.decode()
    for label in ("Номер", "Сумма с НДС", "НДС закрывающих документов", "XML ФНС", "Период с"):
        assert label in page, label
    home = client.get("/admin/").content.decode()
    assert "/admin/contracts/closingdocument/" in home
