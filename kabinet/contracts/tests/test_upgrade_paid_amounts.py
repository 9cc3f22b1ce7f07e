"""An upgrade from the releases that kept paid amounts on the schedule lines (up to 37c8e7a) keeps
every figure: the data migration carries them into the ledger as payments with their allocations.

The database is migrated back to the previous release's schema, filled the way that release filled it
(paid, partly paid and overpaid lines, a debt by the books), migrated forward, and every figure the
previous release showed — computed here by its own formulas — is compared with the ledger's.
"""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kabinet.core.formatting import format_money

OLD = [("contracts", "0001_initial"), ("invoices", "0001_initial")]
LEDGER_RELEASE = [("contracts", "0006_item_search_indexes")]
CARRY = importlib.import_module("kabinet.contracts.migrations.0007_payments_from_paid_amounts")
D = Decimal


def _old_figures(lines: list[dict], today: date) -> dict:
    """What 37c8e7a showed: `contract_summary` (card), the schedule's per-line paid and status (card,
    XLSX), the payment invoice (the line's outstanding)."""
    unpaid_overdue = [x for x in lines if not x["paid"] >= x["amount"] and x["due"] < today]
    return {
        "remaining": sum(x["amount"] for x in lines) - sum(x["paid"] for x in lines),
        "overdue": sum(x["amount"] for x in unpaid_overdue) - sum(x["paid"] for x in unpaid_overdue),
        "paid": [x["paid"] for x in lines],
        "status": [
            "paid" if x["paid"] >= x["amount"] else ("overdue" if x["due"] < today else "unpaid") for x in lines
        ],
        "invoice": [max(x["amount"] - x["paid"], D(0)) for x in lines],
    }


def _make_old(apps, org_id, product_id, number, lines, today, *, books=None):
    org = apps.get_model("organizations", "Organization").objects.get(pk=org_id)
    contract = apps.get_model("contracts", "Contract").objects.create(
        organization=org, product_id=product_id, number=number, amount=sum(x["amount"] for x in lines)
    )
    Line = apps.get_model("contracts", "ScheduledPayment")
    for n, x in enumerate(lines, 1):
        Line.objects.create(
            organization=org,
            contract=contract,
            number=n,
            due_date=x["due"],
            amount=x["amount"],
            vat_rate=D("20"),
            vat_amount=(x["amount"] * 20 / 120).quantize(D("0.01")),
            paid_amount=x["paid"],
            paid_date=x.get("paid_on"),
            is_paid=x["paid"] >= x["amount"],
        )
    if books is not None:
        apps.get_model("contracts", "Debt").objects.create(
            organization=org, contract=contract, amount=books, penalty=D("0"), as_of=today
        )
    return contract.pk


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    yield executor
    MigrationExecutor(connection).migrate(leaves)  # never leave the database behind for other tests


def _forward():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_every_figure_of_the_previous_release_survives_the_upgrade(executor, capsys):
    """One trip back and forth (the slow part) for both cases: a database of 37c8e7a upgraded straight
    to today, and a contract of it that the ledger release 26a8c60 had already recomputed."""
    from kabinet.testing.factories import OrganizationFactory, ProductFactory

    org_id, product_id = OrganizationFactory().pk, ProductFactory().pk
    today = date.today()
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    regular = [  # paid, paid, partly paid and overdue, unpaid and overdue, two to come
        {"due": day(-150), "amount": D("1000.00"), "paid": D("1000.00"), "paid_on": day(-149)},
        {"due": day(-120), "amount": D("1000.00"), "paid": D("1000.00"), "paid_on": day(-118)},
        {"due": day(-90), "amount": D("1000.00"), "paid": D("400.01"), "paid_on": day(-80)},
        {"due": day(-60), "amount": D("1000.00"), "paid": D("0")},
        {"due": day(30), "amount": D("1000.00"), "paid": D("0")},
        {"due": day(60), "amount": D("999.99"), "paid": D("0")},
    ]
    overpaid = [  # the second line overpaid by 150,00 (no paid date sent), the third to come
        {"due": day(-60), "amount": D("500.00"), "paid": D("500.00"), "paid_on": day(-61)},
        {"due": day(-30), "amount": D("500.00"), "paid": D("650.00")},
        {"due": day(30), "amount": D("500.00"), "paid": D("0")},
    ]
    executor.migrate(OLD)
    apps = executor.loader.project_state(OLD).apps
    old_regular = _old_figures(regular, today)
    regular_id = _make_old(apps, org_id, product_id, "UP-1", regular, today, books=old_regular["overdue"])
    overpaid_id = _make_old(apps, org_id, product_id, "UP-2", overpaid, today)
    old_debt_total = old_regular["overdue"]  # the main page summed the debts by the books
    wiped = [
        {"due": day(-60), "amount": D("700.00"), "paid": D("700.00"), "paid_on": day(-59)},
        {"due": day(-30), "amount": D("700.00"), "paid": D("700.00"), "paid_on": day(-29)},
    ]
    wiped_org_id = OrganizationFactory().pk
    wiped_id = _make_old(apps, wiped_org_id, product_id, "UP-WIPED", wiped, today, books=D("0"))

    # Upgraded to the release before this one (26a8c60), whose first ledger write on that contract (a
    # 1,00 ₽ penalty through the API) rewrote its copies from an empty ledger.
    executor = MigrationExecutor(connection)
    executor.migrate(LEDGER_RELEASE)
    apps = executor.loader.project_state(LEDGER_RELEASE).apps
    apps.get_model("contracts", "Penalty").objects.create(
        organization_id=wiped_org_id, contract_id=wiped_id, external_id="P-1", accrued_on=today, amount=D("1.00")
    )
    apps.get_model("contracts", "ScheduledPayment").objects.filter(contract_id=wiped_id).update(
        paid_amount=0, paid_date=None, is_paid=False
    )
    apps.get_model("contracts", "BooksDebt").objects.filter(contract_id=wiped_id).update(
        ledger_amount=D("1400.00"), ledger_penalty=D("0")
    )

    _forward()
    assert "1 contracts of the previous release were already recomputed" in capsys.readouterr().err

    from kabinet.contracts import ledger
    from kabinet.contracts.models import Allocation, Contract, PaymentReceived
    from kabinet.invoices import selectors as invoice_selectors
    from kabinet.organizations.models import Organization

    org = Organization.objects.get(pk=org_id)
    contract = Contract.objects.get(pk=regular_id)
    for view in (ledger.contract_ledger(contract, today=today), ledger.contract_card(contract, today=today)):
        assert view.remaining == old_regular["remaining"] == D("3599.98")
        assert view.overdue == old_regular["overdue"] == D("1599.99")
        assert [x.paid_amount for x in view.lines] == old_regular["paid"]
        assert [x.status for x in view.lines] == old_regular["status"]
        assert view.unallocated == 0
    dues = [invoice_selectors.payment_due(org, x.pk) if x.outstanding else None for x in view.lines]
    assert [due.amount if due else D(0) for due in dues] == old_regular["invoice"]
    assert sum(x.amount for x in invoice_selectors.debt_lines(org, contract)) == old_regular["overdue"]
    debt = ledger.org_debt(org, today=today)
    assert debt.total == old_debt_total
    check = debt.rows[0].books_check
    assert check is not None and check.agrees
    statement = ledger.statement(org, start=day(-400), end=day(400), contract=contract)
    assert statement.closing == old_regular["remaining"]  # the акт agrees with the card

    carried = PaymentReceived.objects.filter(contract=contract).order_by("received_on")
    assert [(p.received_on, p.amount, p.document_number) for p in carried] == [
        (day(-149), D("1000.00"), "перенесено при обновлении"),
        (day(-118), D("1000.00"), "перенесено при обновлении"),
        (day(-80), D("400.01"), "перенесено при обновлении"),
    ]
    assert {p.external_id for p in carried} == {f"upgrade-line-{x.pk}" for x in view.lines[:3]}
    assert Allocation.objects.filter(payment__contract=contract).count() == 3

    # The overpaid line: paid in full as before; its surplus pays the next line, as the ledger's rule
    # says, so the card's «Осталось оплатить» and «Просрочено» stay the old release's.
    old_over = _old_figures(overpaid, today)
    card = ledger.contract_card(Contract.objects.get(pk=overpaid_id), today=today)
    assert (card.remaining, card.overdue) == (old_over["remaining"], old_over["overdue"]) == (D("350.00"), D("0"))
    assert [x.status for x in card.lines] == old_over["status"]
    assert [x.paid_amount for x in card.lines] == [D("500.00"), D("500.00"), D("150.00")]
    assert PaymentReceived.objects.get(external_id=f"upgrade-line-{card.lines[1].pk}").received_on == day(-30)

    # A second run changes nothing.
    before = _snapshot()
    state_apps = MigrationExecutor(connection).loader.project_state(("contracts", CARRY.__name__.rsplit(".")[-1])).apps
    with connection.schema_editor() as editor:
        CARRY.forward(state_apps, editor)
    assert _snapshot() == before

    # The recomputed contract is reported, not guessed.
    assert not PaymentReceived.objects.filter(contract_id=wiped_id).exists()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_upgrade", stdout=out)
    report = out.getvalue()
    assert "UP-1" not in report and "UP-2" not in report
    assert "UP-WIPED" in report
    assert f"the books say {format_money(0)} overdue" in report
    assert f"the ledger {format_money(D('1400'))}" in report


def _snapshot():
    from kabinet.contracts.models import Allocation, PaymentReceived, ScheduledPayment

    return (
        sorted(PaymentReceived.objects.values_list("external_id", "amount", "received_on")),
        sorted(Allocation.objects.values_list("payment__external_id", "line_id", "amount")),
        sorted(ScheduledPayment.objects.values_list("pk", "paid_amount", "paid_date", "is_paid")),
    )
