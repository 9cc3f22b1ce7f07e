"""«Платёжный календарь» of the main page as Excel: every unpaid line due today or later (not just the ten
the page shows), what is left of each line and its VAT as numbers, in the creditor section, only the
organization's own lines, a constant number of queries, and a GET that writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.core.xlsx import read_workbook
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    ProductFactory,
    ScheduledPaymentFactory,
)
from kabinet.testing.routes import data_writes


def table(response):
    assert response.status_code == 200
    sheet = read_workbook(b"".join(response.streaming_content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[1], rows[2:]


def test_the_calendar_exports_every_upcoming_line_with_what_is_left(client_a, org_a, org_b, products):
    today = timezone.localdate()
    mine = ContractFactory(organization=org_a, product=products["auto"], number="AL-CAL")
    for n in range(12):  # more than the page's ten
        ScheduledPaymentFactory(contract=mine, number=n + 1, due_date=today + timedelta(days=n + 1))
    ScheduledPaymentFactory(contract=mine, number=20, due_date=today + timedelta(days=30), paid_amount="40000.00")
    ScheduledPaymentFactory(contract=mine, number=21, due_date=today - timedelta(days=3))  # overdue: not upcoming
    ScheduledPaymentFactory(contract=mine, number=22, due_date=today + timedelta(days=31), is_paid=True)
    ScheduledPaymentFactory(contract=ContractFactory(organization=org_b, product=products["auto"], number="BETA-CAL"))
    with CaptureQueriesContext(connection) as queries:
        sheet, header, rows = table(client_a.get("/calendar/export.xlsx"))
    assert not data_writes(queries)
    assert header == ("Договор", "Дата оплаты", "Сумма, ₽", "НДС, ₽")
    assert len(rows) == 13 and {r[0] for r in rows} == {"AL-CAL"}
    assert rows[0][1] == datetime.combine(today + timedelta(days=1), datetime.min.time())
    # The part left; its VAT is the line's VAT less the VAT of the part paid (18 032,79 − 7 213,11), so the
    # parts always add up to the line's VAT.
    assert rows[-1][2] == 60000 and rows[-1][3] == float(Decimal("10819.68"))
    assert sheet.auto_filter.ref == "A2:D15"


def test_the_calendar_export_keeps_to_the_creditor_section(client_a, org_a, products):
    other = CreditorFactory(short_name="ФАКТОР+", is_default=False)
    ScheduledPaymentFactory(contract=ContractFactory(organization=org_a, product=products["auto"], number="BALT-1"))
    factoring = ProductFactory(creditor=other, name="Факторинг")
    ScheduledPaymentFactory(contract=ContractFactory(organization=org_a, product=factoring, number="FACT-1"))
    assert [r[0] for r in table(client_a.get("/calendar/export.xlsx"))[2]] == ["BALT-1"]
    client_a.post(reverse("creditors:switch", args=[other.pk]))
    assert [r[0] for r in table(client_a.get("/calendar/export.xlsx"))[2]] == ["FACT-1"]


def test_the_calendar_export_costs_the_same_queries_for_more_lines(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    ScheduledPaymentFactory(contract=contract, number=1)
    client_a.get("/calendar/export.xlsx")  # the per-session header cache is warm in both measurements
    with CaptureQueriesContext(connection) as few:
        client_a.get("/calendar/export.xlsx")
    for n in range(30):
        ScheduledPaymentFactory(contract=ContractFactory(organization=org_a, product=products["auto"]), number=n)
    client_a.get("/calendar/export.xlsx")
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/calendar/export.xlsx")
    assert len(table(response)[2]) == 31
    assert len(many) == len(few)


def test_the_main_page_links_the_calendar_export(client_a, org_a):
    assert 'href="/calendar/export.xlsx"' in client_a.get("/dashboard/").content.decode()


# «Просроченная задолженность» of the main page: every contract in debt, largest first, with the books' figure.


def test_the_debt_exports_every_contract_in_debt_with_the_books_figure(client_a, org_a, org_b, products):
    today = timezone.localdate()
    for n in range(12):  # more than the page's ten
        contract = ContractFactory(organization=org_a, product=products["auto"], number=f"AL-D-{n:02d}")
        ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=5), amount=1000 + n)
    books_only = ContractFactory(organization=org_a, product=products["auto"], number="AL-BOOKS")
    DebtFactory(contract=books_only, amount=Decimal("777.00"), as_of=today - timedelta(days=1))
    beta = ContractFactory(organization=org_b, product=products["auto"], number="BETA-D")
    ScheduledPaymentFactory(contract=beta, number=1, due_date=today - timedelta(days=5))
    with CaptureQueriesContext(connection) as queries:
        sheet, header, rows = table(client_a.get("/debt/export.xlsx"))
    assert not data_writes(queries)
    assert header == (
        "Договор",
        "Сумма задолженности, ₽",
        "Дата данных учёта",
        "По данным портала, ₽",
        "Не детализировано учётом, ₽",
        "По данным учёта на их дату, ₽",
    )
    # The contract in debt by the books only is listed by its amount, like the page shows it.
    assert [r[0] for r in rows] == [f"AL-D-{n:02d}" for n in range(11, -1, -1)] + ["AL-BOOKS"]
    assert rows[0][1:] == (1011, None, 1011, None, None)
    assert rows[-1][1:] == (777, datetime.combine(today - timedelta(days=1), datetime.min.time()), 0, 777, 777)
    assert sheet.auto_filter.ref == "A2:F15"
    assert 'href="/debt/export.xlsx"' in client_a.get("/dashboard/").content.decode()


def test_the_debt_export_costs_the_same_queries_for_more_contracts(client_a, org_a, products):
    today = timezone.localdate()

    def some(start, n):
        for k in range(start, start + n):
            contract = ContractFactory(organization=org_a, product=products["auto"], number=f"AL-DQ-{k}")
            ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=5))

    some(0, 1)
    client_a.get("/debt/export.xlsx")
    with CaptureQueriesContext(connection) as few:
        client_a.get("/debt/export.xlsx")
    some(1, 30)
    client_a.get("/debt/export.xlsx")
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/debt/export.xlsx")
    assert len(table(response)[2]) == 31
    assert len(many) == len(few)
