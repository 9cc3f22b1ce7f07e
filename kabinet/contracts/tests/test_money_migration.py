"""The migration to whole kopecks keeps every stored amount exact (SQLite and PostgreSQL)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("contracts", "0001_initial"), ("invoices", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_decimal_roubles_become_exact_kopecks():
    from kabinet.testing.factories import OrganizationFactory, ProductFactory

    # Rows of the apps the migration does not touch are made with today's models, first.
    org_id, product_id = OrganizationFactory().pk, ProductFactory().pk
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        _migrate_back_and_forth(executor, leaves, org_id, product_id)
    finally:
        MigrationExecutor(connection).migrate(leaves)  # never leave the database behind for other tests


def _migrate_back_and_forth(executor, leaves, org_id, product_id):
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    org = apps.get_model("organizations", "Organization").objects.get(pk=org_id)
    contract = apps.get_model("contracts", "Contract").objects.create(
        organization=org, product_id=product_id, number="M-1", amount=Decimal("1234567.89")
    )
    payment = apps.get_model("contracts", "ScheduledPayment").objects.create(
        organization=org,
        contract=contract,
        number=1,
        due_date=date(2026, 3, 1),
        amount=Decimal("118983.33"),
        vat_rate=Decimal("22"),
        vat_amount=Decimal("21456.01"),
        paid_amount=Decimal("0.01"),
    )
    apps.get_model("contracts", "Debt").objects.create(
        organization=org, contract=contract, amount=Decimal("99.99"), penalty=Decimal("0.10"), as_of=date(2026, 3, 2)
    )

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from kabinet.contracts.models import BooksDebt, Contract, ScheduledPayment

    assert Contract.objects.get(pk=contract.pk).amount == Decimal("1234567.89")
    line = ScheduledPayment.objects.get(pk=payment.pk)
    assert (line.amount, line.vat_amount, line.paid_amount) == (
        Decimal("118983.33"),
        Decimal("21456.01"),
        Decimal("0.01"),
    )
    debt = BooksDebt.objects.get(contract_id=contract.pk)
    assert (debt.amount, debt.penalty) == (Decimal("99.99"), Decimal("0.10"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT amount FROM contracts_contract WHERE id = %s", [contract.pk])
        assert cursor.fetchone()[0] == 123456789  # whole kopecks in an integer column
