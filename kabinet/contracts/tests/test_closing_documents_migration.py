"""The schedule lines' primary documents (kind, number, date) become closing-document records, on a
database from before the closing documents existed."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kabinet.testing.factories import OrganizationFactory, ProductFactory

BEFORE = [("contracts", "0013_payment_reminders")]


@pytest.mark.django_db(transaction=True)
def test_the_lines_primary_documents_become_closing_documents():
    org_id, product = OrganizationFactory().pk, ProductFactory()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        _migrate(executor, leaves, org_id, product)
    finally:
        MigrationExecutor(connection).migrate(leaves)


def _migrate(executor, leaves, org_id, product):
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Contract = apps.get_model("contracts", "Contract")
    Line = apps.get_model("contracts", "ScheduledPayment")
    contract = Contract.objects.create(organization_id=org_id, product_id=product.pk, number="ДЛ-9", amount=1)

    def line(number, amount, rate, vat, kind="", doc="", day=None):
        Line.objects.create(
            organization_id=org_id,
            contract=contract,
            number=number,
            due_date=date(2026, 11, 10),
            amount=Decimal(amount),
            vat_rate=Decimal(rate),
            vat_amount=Decimal(vat),
            document_kind=kind,
            document_number=doc,
            document_date=day,
        )

    line(1, "12200.00", "22", "2200.00", "УПД", "123", date(2026, 11, 30))
    line(2, "1000.00", "0", "0.00", "УПД", "123", date(2026, 11, 30))  # the same document, another rate
    line(3, "500.00", "22", "90.16", "счёт-фактура", "7", date(2026, 11, 15))
    line(4, "700.00", "22", "126.23")  # no document named: left alone
    line(5, "800.00", "22", "144.26", "УПД", "8")  # no date: not a document the record can name

    MigrationExecutor(connection).migrate(leaves)

    from kabinet.contracts.models import ClosingDocument

    documents = {(d.kind, d.number): d for d in ClosingDocument.objects.filter(contract_id=contract.pk)}
    assert set(documents) == {("upd", "123"), ("invoice", "7")}
    upd = documents["upd", "123"]
    assert (upd.date, upd.amount, upd.organization_id, upd.creditor_id) == (
        date(2026, 11, 30),
        Decimal("13200.00"),
        org_id,
        product.creditor_id,
    )
    assert {(v.rate, v.amount, v.vat) for v in upd.vat_lines.all()} == {
        (Decimal("22.00"), Decimal("12200.00"), Decimal("2200.00")),
        (Decimal("0.00"), Decimal("1000.00"), Decimal("0.00")),
    }
    assert documents["invoice", "7"].amount == Decimal("500.00")
