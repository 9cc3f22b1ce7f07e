"""«Выставленные счета»: the creditor section open in the header (two «2026-000001» of two creditors never
mix), the payee column, filters by contract, status and period, the Excel export following them, the
«Документы» menu item, a constant number of queries, never another organization's invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.core.xlsx import read_workbook
from kabinet.creditors.middleware import SESSION_KEY
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    ProductFactory,
    ScheduledPaymentFactory,
    pay_line,
)
from kabinet.testing.html import parse


def issued(org, product, contract_number: str, sequence: int, issued_on: date) -> Invoice:
    line = ScheduledPaymentFactory(
        contract=ContractFactory(organization=org, product=product, number=contract_number),
        amount=Decimal("1500.50"),
        due_date=issued_on,
    )
    return Invoice.objects.create(
        organization=org,
        creditor=product.creditor,
        year=2026,
        sequence=sequence,
        number=f"2026-{sequence:06d}",
        issued_on=issued_on,
        due_date=issued_on,
        kind=Invoice.Kind.PAYMENT,
        contract=line.contract,
        payment=line,
        description="Платёж",
        amount=line.amount,
        purpose="Оплата",
    )


def open_section(client, creditor) -> None:
    session = client.session
    session[SESSION_KEY] = creditor.pk
    session.save()


def numbers(response) -> list[str]:
    assert response.status_code == 200
    tables = parse(response).find_all("table", data_testid="invoices")
    return sorted(row[2] for row in tables[0].rows()) if tables else []


def test_the_list_is_per_creditor_section_with_a_payee_and_the_documents_menu(client_a, org_a, org_b, creditor):
    other = CreditorFactory(name="АО «Второй лизинг»", short_name="ВТОРОЙ", inn="7707083893", is_default=False)
    issued(org_a, ProductFactory(creditor=creditor), "A-FIRST", 1, date(2026, 3, 1))
    issued(org_a, ProductFactory(creditor=other), "A-SECOND", 1, date(2026, 3, 1))
    issued(org_b, ProductFactory(creditor=creditor), "B-FIRST", 2, date(2026, 3, 1))

    open_section(client_a, creditor)
    response = client_a.get("/invoices/")
    assert numbers(response) == ["A-FIRST"]
    html = response.content.decode()
    assert 'data-testid="payee">БАЛТЛИЗ<' in html
    nav = html.split('aria-current="page"')[1][:200]
    assert "/documents/" in nav and "/contracts/" not in nav
    rows = list(read_workbook(client_a.get("/invoices/export.xlsx").getvalue()).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[2:]] == ["A-FIRST"]

    open_section(client_a, other)
    assert numbers(client_a.get("/invoices/")) == ["A-SECOND"]
    assert 'data-testid="payee">ВТОРОЙ<' in client_a.get("/invoices/").content.decode()


def test_the_filters_contract_status_and_period_and_the_export_follows_them(client_a, org_a, org_b, products):
    march = issued(org_a, products["auto"], "A-MARCH", 1, date(2026, 3, 10))
    issued(org_a, products["auto"], "A-APRIL", 2, date(2026, 4, 10))
    paid = issued(org_a, products["auto"], "A-PAID", 3, date(2026, 4, 20))
    pay_line(paid.payment, paid.amount)
    foreign = issued(org_b, products["auto"], "B-APRIL", 4, date(2026, 4, 10))

    assert numbers(client_a.get("/invoices/")) == ["A-APRIL", "A-MARCH", "A-PAID"]
    assert numbers(client_a.get("/invoices/", {"contract": march.contract_id})) == ["A-MARCH"]
    assert numbers(client_a.get("/invoices/", {"status": "paid"})) == ["A-PAID"]
    assert numbers(client_a.get("/invoices/", {"status": "current"})) == ["A-APRIL", "A-MARCH"]
    period = {"issued_from": "2026-04-01", "issued_to": "2026-04-15"}
    assert numbers(client_a.get("/invoices/", period)) == ["A-APRIL"]
    xlsx = client_a.get("/invoices/export.xlsx", {**period, "status": "current"}).getvalue()
    assert [r[2] for r in list(read_workbook(xlsx).active.iter_rows(values_only=True))[2:]] == ["A-APRIL"]

    reversed_period = client_a.get("/invoices/", {"issued_from": "2026-05-01", "issued_to": "2026-04-01"})
    assert "Конец периода раньше его начала." in reversed_period.content.decode()
    assert client_a.get("/invoices/", {"contract": foreign.contract_id}).status_code == 404
    assert "B-APRIL" not in client_a.get("/invoices/", {"status": "current"}).content.decode()


def test_a_filtered_list_costs_the_same_queries_for_more_invoices(client_a, org_a, products):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get("/invoices/", {"status": "current", "issued_from": "2026-01-01"}).status_code == 200
        return len(queries)

    for k in range(2):
        issued(org_a, products["auto"], f"A-{k}", k + 1, date(2026, 3, 1 + k))
    count()
    few = count()
    for k in range(2, 14):
        issued(org_a, products["auto"], f"A-{k}", k + 1, date(2026, 3, 1 + k))
    assert count() == few
