"""Upgrades keep tokens working: the data migration links every organization to the creditors whose
products it has contracts with (fails on the old code: contracts made after the first backfill left
their companies unlinked, and a creditor's token saw none of them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kabinet.creditors.models import Creditor

BEFORE = ("contracts", "0007_payments_from_paid_amounts")


def _creditor(Creditor, short: str, inn: str):
    return Creditor.objects.create(
        name=short,
        short_name=short,
        inn=inn,
        bank_name="Б",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
    )


@pytest.mark.django_db(transaction=True)
def test_organizations_become_clients_of_the_creditors_they_have_contracts_with():
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    later = {n for n in graph.leaf_nodes() if n[0] == "contracts"}
    # Everything as it is today, except the contracts app before the backfill (and what depends on it).
    target = [BEFORE, *(n for n in graph.leaf_nodes() if n not in later and BEFORE not in graph.forwards_plan(n))]
    executor.migrate(target)
    apps = executor.loader.project_state(target).apps
    Org = apps.get_model("organizations", "Organization")
    Product = apps.get_model("creditors", "Product")
    Contract = apps.get_model("contracts", "Contract")
    alfa = _creditor(apps.get_model("creditors", "Creditor"), "Альфа", "7812345675")
    beta = _creditor(apps.get_model("creditors", "Creditor"), "Бета", "7707083893")
    shared = Org.objects.create(name="Общий", inn="7736207543")
    only_alfa = Org.objects.create(name="Только Альфа", inn="7710140679")
    no_contracts = Org.objects.create(name="Без договоров", inn="7702070139")
    for n, (org, creditor) in enumerate([(shared, alfa), (shared, beta), (only_alfa, alfa), (only_alfa, alfa)]):
        product = Product.objects.create(creditor=creditor, name=f"П{n}")
        Contract.objects.create(organization=org, product=product, number=f"N-{n}", amount=1)
    alfa.clients.add(only_alfa)  # a link that exists is kept (no duplicate)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    clients = {c.short_name: sorted(c.clients.values_list("name", flat=True)) for c in Creditor.objects.all()}
    assert clients == {"Альфа": ["Общий", "Только Альфа"], "Бета": ["Общий"]}
    assert no_contracts.name not in str(clients)
