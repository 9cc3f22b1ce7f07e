"""The main page's overdue debt kept per organization (`ledger/summary.py`): what the ledger's writes keep
equals what the whole ledger computes — several contracts, two creditor sections, the books' figure, the
keyset pages —, the page reads it in a bounded number of queries, a new day is computed from the ledger
until the organization's first write or the nightly rebuild, and the data migration fills it for a
database made before it."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from kabinet.contracts import ledger
from kabinet.contracts.models import DebtRow, DebtTotal
from kabinet.contracts.services import ledger_recompute
from kabinet.contracts.services.records import contract_put
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    OrganizationFactory,
    ProductFactory,
    ScheduledPaymentFactory,
    pay_line,
)
from kabinet.web.jobs import registered

D = Decimal
TODAY = date(2026, 3, 16)
BEFORE = [("contracts", "0016_debt_summary")]
FILL = importlib.import_module("kabinet.contracts.migrations.0017_debt_summary_fill")


def _shown(summary) -> tuple:
    rows = [
        (
            r.contract_id,
            r.amount,
            r.lines,
            r.books_check,
            (r.books_figure.as_of, r.books_figure.portal, r.books_figure.headline) if r.books_figure else None,
        )
        for r in summary.rows
    ]
    return summary.total, summary.count, summary.as_of, rows, summary.next_cursor


def _assert_kept_equals_ledger(org, sections, today=TODAY) -> None:
    for section in (None, *sections):
        assert _shown(ledger.org_debt(org, section, today=today)) == _shown(
            ledger.computed_org_debt(org, section, today=today)
        )
        after = ""
        while True:
            page = ledger.org_debt(org, section, today=today, after=after, limit=2)
            assert _shown(page) == _shown(ledger.computed_org_debt(org, section, today=today, after=after, limit=2))
            if not page.next_cursor:
                break
            after = page.next_cursor


@pytest.fixture
def world(db):
    """Five contracts of one organization in two creditor sections: overdue lines at two VAT rates, a
    line falling due today (overdue tomorrow), one paid in part, one with the books' figure, two with the
    same debt (the order's tie), and another organization's contract in debt."""
    org, other = OrganizationFactory(), OrganizationFactory()
    first, second = CreditorFactory(), CreditorFactory()
    auto, truck = ProductFactory(creditor=first), ProductFactory(creditor=second)
    contracts = []
    with freeze_time(TODAY):
        for n, (product, amounts) in enumerate(
            [(auto, [D("100.00"), D("50.00")]), (auto, [D("150.00")]), (truck, [D("150.00")]), (truck, [D("9.99")])]
        ):
            contract = ContractFactory(organization=org, product=product, number=f"S-{n}")
            for i, amount in enumerate(amounts):
                ScheduledPaymentFactory(
                    contract=contract,
                    number=i + 1,
                    due_date=TODAY - timedelta(days=40 - i),
                    amount=amount,
                    vat_rate=D("20") if i else D("22"),
                )
            ScheduledPaymentFactory(contract=contract, number=9, due_date=TODAY, amount=D("1000.00"))
            contracts.append(contract)
        books = ContractFactory(organization=org, product=truck, number="S-BOOKS")
        DebtFactory(contract=books, amount=D("777.00"), as_of=TODAY - timedelta(days=2))
        contracts.append(books)
        theirs = ContractFactory(organization=other, product=auto, number="THEIRS")
        ScheduledPaymentFactory(contract=theirs, number=1, due_date=TODAY - timedelta(days=3), amount=D("5.00"))
        ledger_recompute(org_id=org.pk, contract_ids=[c.pk for c in contracts])
        ledger_recompute(org_id=other.pk, contract_ids=[theirs.pk])
    return org, other, (first, second), contracts


def test_the_kept_summary_equals_the_ledger_in_every_section_and_page(world):
    org, other, sections, contracts = world
    _assert_kept_equals_ledger(org, sections)
    debt = ledger.org_debt(org, today=TODAY)
    assert (debt.total, debt.count) == (D("100.00") + D("50.00") + D("150.00") * 2 + D("9.99") + D("777.00"), 5)
    assert [r.contract.number for r in debt.rows] == ["S-BOOKS", "S-0", "S-1", "S-2", "S-3"]
    assert ledger.org_debt(org, sections[0], today=TODAY).total == D("300.00")
    assert ledger.org_debt(other, today=TODAY).total == D("5.00")
    # Only the organization's own contracts are kept under it.
    assert set(DebtRow.objects.filter(organization=org).values_list("contract_id", flat=True)) == {
        c.pk for c in contracts
    }


def test_a_write_keeps_the_summary_in_its_transaction(world):
    org, _other, sections, contracts = world
    with freeze_time(TODAY):
        line = contracts[0].payments.get(number=1)
        pay_line(line, D("60.00"), on=TODAY - timedelta(days=1))
        pay_line(contracts[3].payments.get(number=1), D("9.99"), on=TODAY - timedelta(days=1))
    _assert_kept_equals_ledger(org, sections)
    debt = ledger.org_debt(org, today=TODAY)
    assert debt.count == 4 and contracts[3].pk not in {r.contract_id for r in debt.rows}
    assert DebtTotal.objects.get(organization=org, creditor__isnull=True).as_of == TODAY


def test_a_contract_moved_to_another_section_moves_its_row(world):
    org, _other, sections, contracts = world
    truck = contracts[2].product
    with freeze_time(TODAY), transaction.atomic():
        contract_put(instance=contracts[0], data={"product": truck})
    _assert_kept_equals_ledger(org, sections)
    assert ledger.org_debt(org, sections[0], today=TODAY).total == D("150.00")


def test_the_page_reads_the_summary_in_two_queries(world):
    org, _other, sections, _contracts = world
    for section in (None, sections[1]):
        with CaptureQueriesContext(connection) as queries:
            debt = ledger.org_debt(org, section, today=TODAY, limit=2)
            assert [r.contract.number for r in debt.rows]
        assert len(queries) == 2, [q["sql"] for q in queries]


def test_a_new_day_is_computed_from_the_ledger_until_a_write_or_the_nightly_rebuild(world):
    org, other, sections, contracts = world
    tomorrow = TODAY + timedelta(days=1)
    # Lines due today are overdue tomorrow, without any write: the page computes them from the ledger.
    debt = ledger.org_debt(org, today=tomorrow)
    assert _shown(debt) == _shown(ledger.computed_org_debt(org, today=tomorrow))
    assert debt.total == ledger.org_debt(org, today=TODAY).total + 4 * D("1000.00")
    # The organization's first ledger write of the day rebuilds all of its summary, not only the contract.
    with freeze_time(tomorrow):
        pay_line(contracts[1].payments.get(number=1), D("1.00"), on=tomorrow)
    assert DebtTotal.objects.get(organization=org, creditor__isnull=True).as_of == tomorrow
    assert set(DebtRow.objects.filter(organization=org).values_list("as_of", flat=True)) == {tomorrow}
    _assert_kept_equals_ledger(org, sections, today=tomorrow)
    # The nightly job rebuilds every organization's.
    (job,) = [job for job in registered() if job.name == "debt_summary_rebuild"]
    assert str(job.schedule) == "daily at 00:05"
    assert ledger.rebuild_debt_summaries(today=tomorrow) >= 2
    assert DebtTotal.objects.get(organization=other, creditor__isnull=True).as_of == tomorrow
    _assert_kept_equals_ledger(other, sections, today=tomorrow)


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    yield executor
    MigrationExecutor(connection).migrate(leaves)  # never leave the database behind for other tests


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_the_summary_of_a_database_made_before_it(executor):
    """A database at the release before the summary (its tables empty, the ledger's copies written),
    migrated forward: every organization's summary is of today and equals the ledger."""
    org = OrganizationFactory()
    creditor = CreditorFactory()
    product = ProductFactory(creditor=creditor)
    contract = ContractFactory(organization=org, product=product, number="OLD-1")
    today = date.today()
    ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=5), amount=D("321.00"))
    ledger_recompute(org_id=org.pk, contract_ids=[contract.pk])
    executor.migrate(BEFORE)
    DebtRow.objects.all().delete()
    DebtTotal.objects.all().delete()
    assert ledger.org_debt(org).total == D("321.00")  # computed from the ledger: nothing kept yet

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = DebtTotal.objects.get(organization=org, creditor__isnull=True)
    assert (kept.as_of, kept.total, kept.count) == (today, D("321.00"), 1)
    assert _shown(ledger.org_debt(org)) == _shown(ledger.computed_org_debt(org))
    assert FILL.Migration.dependencies[0] == BEFORE[0]
