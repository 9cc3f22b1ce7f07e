"""«Выставленные счета» as Excel: every column the list shows (the status from the books today), the
contract filter, only the organization's own invoices, a constant number of queries, no writes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.core.xlsx import read_workbook
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.routes import data_writes


def table(response):
    assert response.status_code == 200
    sheet = read_workbook(b"".join(response.streaming_content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[1], rows[2:]


def issued(org, creditor, products, number: str, sequence: int) -> Invoice:
    """An invoice row as issuing writes it, without rendering its PDF (the export reads no PDF)."""
    line = ScheduledPaymentFactory(
        contract=ContractFactory(organization=org, product=products["auto"], number=number), amount=Decimal("1500.50")
    )
    return Invoice.objects.create(
        organization=org,
        creditor=creditor,
        year=2026,
        sequence=sequence,
        number=f"2026-{sequence:06d}",
        issued_on=line.due_date,
        due_date=line.due_date,
        kind=Invoice.Kind.PAYMENT,
        contract=line.contract,
        payment=line,
        description="Платёж",
        amount=line.amount,
        purpose="Оплата",
    )


def test_the_invoices_export_has_every_column_and_the_filter(client_a, org_a, org_b, products, creditor):
    first = issued(org_a, creditor, products, "AL-INV-1", 1).contract
    issued(org_a, creditor, products, "AL-INV-2", 2)
    issued(org_b, creditor, products, "BETA-INV", 3)
    with CaptureQueriesContext(connection) as queries:
        sheet, header, rows = table(client_a.get("/invoices/export.xlsx"))
    assert not data_writes(queries)
    assert header == ("Номер", "Дата", "Договор", "Получатель", "Назначение", "Сумма, ₽", "Статус")
    assert sorted(r[2] for r in rows) == ["AL-INV-1", "AL-INV-2"]
    assert rows[0][3] == creditor.short_name
    assert isinstance(rows[0][1], datetime) and rows[0][5] == 1500.5 and rows[0][6] == "актуален"
    assert sheet.auto_filter.ref == "A2:G4"
    _sheet, _header, one = table(client_a.get(f"/invoices/export.xlsx?contract={first.pk}"))
    assert [r[2] for r in one] == ["AL-INV-1"]
    html = client_a.get(f"/invoices/?contract={first.pk}").content.decode()
    assert f'href="/invoices/export.xlsx?contract={first.pk}"' in html


def test_the_invoices_export_costs_the_same_queries_for_more_invoices(client_a, org_a, products, creditor):
    def some(start, n):
        for k in range(start, start + n):
            issued(org_a, creditor, products, f"AL-Q-{k}", k + 1)

    some(0, 1)
    client_a.get("/invoices/export.xlsx")
    with CaptureQueriesContext(connection) as few:
        client_a.get("/invoices/export.xlsx")
    some(1, 20)
    client_a.get("/invoices/export.xlsx")
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/invoices/export.xlsx")
    assert len(table(response)[2]) == 21 and {r[6] for r in table(client_a.get("/invoices/export.xlsx"))[2]} == {
        "актуален"
    }
    assert len(many) == len(few)
