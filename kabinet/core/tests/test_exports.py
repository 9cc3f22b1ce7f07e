"""Excel export of every list (issue 14.18): the filters of the page, numbers as numbers, dates as
dates, only the selected organization's rows, bounded, a constant number of queries, and a GET
that writes nothing."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kabinet.appeals import services as appeal_services
from kabinet.appeals.models import StaffNote
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    return rows[1], rows[2:]  # the header row, then the data (row 1 is the heading)


def no_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [], writes
    return response


@pytest.fixture
def contracts(org_a, org_b, products):
    active = ContractFactory(organization=org_a, product=products["auto"], number="AL-1", amount=Decimal("1234567.89"))
    ScheduledPaymentFactory(contract=active, number=1, amount=Decimal("99562.65"), due_date=date(2099, 1, 15))
    ContractFactory(organization=org_a, product=products["truck"], number="KT-2", status="closed")
    ContractFactory(organization=org_b, product=products["auto"], number="BETA-1")
    return active


def test_contracts_export_follows_the_filters_and_keeps_numbers_numbers(client_a, contracts):
    header, rows = sheet(no_writes(client_a, "/contracts/export.xlsx?status=active"))
    assert header[0] == "Номер договора" and "Сумма договора, ₽" in header
    assert [r[0] for r in rows] == ["AL-1"]
    row = rows[0]
    assert row[5] == pytest.approx(1234567.89) and isinstance(row[5], float | int)
    assert isinstance(row[3], datetime)
    assert row[6] == datetime(2099, 1, 15) and row[7] == pytest.approx(99562.65)
    _header, everything = sheet(client_a.get("/contracts/export.xlsx"))
    assert sorted(r[0] for r in everything) == ["AL-1", "KT-2"]  # never another organization's


def test_the_contracts_page_links_its_export_with_the_current_filters(client_a, contracts):
    html = client_a.get("/contracts/?status=active&page=1").content.decode()
    assert 'href="/contracts/export.xlsx?status=active"' in html


def test_an_export_is_bounded(client_a, contracts, org_a, products, settings):
    for n in range(4):
        ContractFactory(organization=org_a, product=products["auto"], number=f"X-{n}")
    settings.EXPORT_MAX_ROWS = 3
    _header, rows = sheet(client_a.get("/contracts/export.xlsx"))
    assert len(rows) == 4 and "первые 3" in rows[-1][0]


def test_the_contracts_export_costs_the_same_queries_for_more_rows(client_a, org_a, products):
    ContractFactory(organization=org_a, product=products["auto"])
    client_a.get("/contracts/export.xlsx")  # the per-session header cache is warm in both measurements
    with CaptureQueriesContext(connection) as few:
        client_a.get("/contracts/export.xlsx")
    for _ in range(30):
        ContractFactory(organization=org_a, product=products["auto"])
    client_a.get("/contracts/export.xlsx")  # new contracts invalidate the cached creditor data once
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/contracts/export.xlsx")
    assert len(sheet(response)[1]) == 31
    assert len(many) == len(few)


def test_documents_export_follows_the_tab_and_the_filters(client_a, org_a, org_b):
    def doc(org, title, doc_type, direction="incoming"):
        d = Document(
            organization=org,
            direction=direction,
            doc_type=doc_type,
            title=title,
            document_date=date(2026, 3, 1),
            original_name=f"{title}.pdf",
            size=1234,
        )
        d.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4"), save=False)
        d.save()

    doc(org_a, "Акт сверки за март", "Акт сверки")
    doc(org_a, "УПД 15", "УПД")
    doc(org_a, "Скан паспорта", "Скан", direction="uploaded")
    doc(org_b, "Чужой акт", "Акт сверки")
    header, rows = sheet(no_writes(client_a, "/documents/export.xlsx?doc_type=Акт+сверки"))
    assert header[:2] == ("Тип документа", "Наименование")
    assert [r[1] for r in rows] == ["Акт сверки за март"]
    assert rows[0][4] == datetime(2026, 3, 1) and rows[0][6] == 1234
    _header, uploaded = sheet(client_a.get("/documents/uploaded/export.xlsx"))
    assert [r[1] for r in uploaded] == ["Скан паспорта"]


def test_requests_export_follows_the_filters_and_has_nothing_internal(client_a, org_a, admin_a, user_b, org_b, staff):
    kept = appeal_services.appeal_create(
        org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="new_leasing", description="Самосвал")
    )
    appeal_services.appeal_create(
        org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="insurance", description="ДТП")
    )
    appeal_services.appeal_create(
        org=org_b, user=user_b, data=appeal_services.AppealInput(kind="new_leasing", description="Чужая")
    )
    StaffNote.objects.create(appeal=kept, author=staff, body="Секретная заметка")
    header, rows = sheet(no_writes(client_a, "/requests/export.xlsx?kind=new_leasing"))
    assert header[0] == "Номер"
    assert [(r[0], r[4]) for r in rows] == [(kept.number, "Самосвал")]
    assert isinstance(rows[0][5], datetime)
    assert "Секретная заметка" not in str(rows)


def test_notifications_export_follows_the_filters_and_marks_nothing_read(client_a, org_a, admin_a, user_b, org_b):
    Notification.objects.create(organization=org_a, user=admin_a, kind="new_document", title="Новый документ: УПД")
    Notification.objects.create(organization=org_a, user=admin_a, kind="payment_due", title="Скоро платёж")
    Notification.objects.create(organization=org_b, user=user_b, kind="new_document", title="Чужое")
    _header, rows = sheet(no_writes(client_a, "/notifications/export.xlsx?kind=new_document"))
    assert [r[2] for r in rows] == ["Новый документ: УПД"] and rows[0][4] == "нет"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.parametrize(
    "url", ["/contracts/export.xlsx", "/documents/export.xlsx", "/requests/export.xlsx", "/notifications/export.xlsx"]
)
def test_exports_need_a_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
