"""The main page's debt sums run as a query compiled once (`core.prepared.Prepared`): the rows must be
the queryset's own, for every organization, section and day, whichever call compiled it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.contracts import ledger
from kabinet.contracts.models import Adjustment, Contract, Penalty
from kabinet.core.prepared import Prepared
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    ProductFactory,
    ScheduledPaymentFactory,
)

TODAY = timezone.localdate()


def _in_debt(org, product, *, amount, days_late, rate=Decimal("22")):
    contract = ContractFactory(organization=org, product=product)
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=TODAY - timedelta(days=days_late), amount=amount, vat_rate=rate
    )
    return contract


@pytest.fixture
def ledgers(org_a, org_b, products):
    other = ProductFactory(creditor=CreditorFactory(), name="Факторинг")
    a1 = _in_debt(org_a, products["auto"], amount=Decimal("1000.00"), days_late=40)
    a2 = _in_debt(org_a, other, amount=Decimal("250.50"), days_late=3, rate=Decimal("20"))
    Penalty.objects.create(
        organization=org_a, contract=a1, amount=Decimal("12.34"), accrued_on=TODAY - timedelta(days=5)
    )
    Adjustment.objects.create(
        organization=org_a, contract=a2, amount=Decimal("7.00"), date=TODAY - timedelta(days=1), vat_rate=None
    )
    DebtFactory(contract=ContractFactory(organization=org_a, product=other), amount=Decimal("99.00"))
    b1 = _in_debt(org_b, products["truck"], amount=Decimal("555.55"), days_late=10)
    return {"a1": a1, "a2": a2, "b1": b1, "creditors": [None, products["auto"].creditor, other.creditor]}


def _expected(org, creditor, today):
    rows = ledger._overdue_sums_query(org.pk, creditor.pk if creditor else None, today)
    return sorted(((c, r, bool(p), a or ledger.ZERO, v or ledger.ZERO) for c, r, p, a, v in rows), key=repr)


def test_the_prepared_sums_equal_the_querysets_for_every_organization_section_and_day(org_a, org_b, ledgers):
    days = [TODAY, TODAY - timedelta(days=4), TODAY - timedelta(days=30), TODAY + timedelta(days=1)]
    seen_rows = 0
    # Alternate organizations, sections and days so each call reuses a query another call compiled.
    for today in days:
        for creditor in ledgers["creditors"]:
            for org in (org_a, org_b, org_a):
                got = sorted(ledger._overdue_sums(org, creditor, today), key=repr)
                assert got == _expected(org, creditor, today)
                contracts = {row[0] for row in got}
                assert set(Contract.objects.for_org(org).filter(pk__in=contracts).values_list("pk", flat=True)) == (
                    contracts
                )
                seen_rows += len(got)
    assert seen_rows > 20  # the fixture's debts were found, not just empty results compared
    # The section filter holds: org A's second creditor sees only its own contracts.
    section = {row[0] for row in ledger._overdue_sums(org_a, ledgers["creditors"][2], TODAY)}
    assert ledgers["a1"].pk not in section and ledgers["a2"].pk in section


def test_a_builder_that_does_not_pass_an_argument_as_a_parameter_is_refused(org_a):
    fixed = Prepared(lambda org_id: Contract.objects.for_org_id(org_a.pk).values_list("pk"))
    with pytest.raises(ValueError, match="org_id"):
        fixed.rows(org_id=org_a.pk)


class _RecordingRouter:
    def __init__(self):
        self.asked = []

    def db_for_read(self, model, **hints):
        self.asked.append(model)
        return "default"


def test_the_prepared_sums_read_from_the_database_the_routers_choose(org_a, ledgers):
    """Like the queryset would: in production the replica router sends a request's reads to the replica."""
    from django.db import router

    recording = _RecordingRouter()
    state = vars(router)
    kept = state["_routers"]
    # ConnectionRouter keeps the routers it read from the setting: give it this one for the test.
    state["_routers"] = [recording]
    state.pop("routers", None)
    try:
        assert ledger._overdue_sums(org_a, None, TODAY)
        assert recording.asked and all(m._meta.app_label == "contracts" for m in recording.asked)
    finally:
        state["_routers"] = kept
        state.pop("routers", None)
