"""The contract card's side rows (penalties, adjustments, payments, the books' row) run as a query
compiled once (`core.prepared.Prepared`): the rows must be the queryset's own, for every organization
and contract, whichever call compiled it. (The main page's debt sums used it too until the summary the
ledger keeps made them a write-time query: `ledger/summary.py`.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from kabinet.contracts.ledger import card
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
    # A books' figure of 20 days ago: the charges falling due since are summed beside it.
    DebtFactory(contract=a1, amount=Decimal("500.00"), as_of=TODAY - timedelta(days=20))
    b1 = _in_debt(org_b, products["truck"], amount=Decimal("555.55"), days_late=10)
    return {"a1": a1, "a2": a2, "b1": b1, "creditors": [None, products["auto"].creditor, other.creditor]}


def _expected(org, contract):
    return sorted(card._card_side_query(org.pk, contract.pk), key=repr)


def test_the_prepared_rows_equal_the_querysets_for_every_organization_and_contract(org_a, org_b, ledgers):
    seen_rows = 0
    # Alternate organizations and contracts so each call reuses a query another call compiled.
    for contract in (ledgers["a1"], ledgers["b1"], ledgers["a2"], ledgers["a1"]):
        for org in (org_a, org_b):
            got = sorted(card._CARD_SIDE.rows(org_id=org.pk, contract_id=contract.pk), key=repr)
            assert got == _expected(org, contract)
            if org.pk != contract.organization_id:
                assert got == []  # another organization's contract: nothing
            seen_rows += len(got)
    assert seen_rows >= 4  # the fixture's rows were found, not just empty results compared


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
        assert card._CARD_SIDE.rows(org_id=org_a.pk, contract_id=ledgers["a1"].pk)
        assert recording.asked and all(m._meta.app_label == "contracts" for m in recording.asked)
    finally:
        state["_routers"] = kept
        state.pop("routers", None)


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname in obj.__dict__}


def test_the_prepared_objects_equal_the_querysets_with_their_related_rows(
    org_a, org_b, ledgers, django_assert_num_queries
):
    """The card's contract (with its product and creditor) and its schedule lines (the deferred fields
    left deferred) as `Prepared.objects()` builds them: the queryset's own instances, field by field,
    for every organization and contract; another organization's contract is none."""
    from kabinet.contracts import selectors

    for contract in (ledgers["a1"], ledgers["b1"], ledgers["a2"]):
        for org in (org_a, org_b):
            expected = list(selectors._contract_card_query(org.pk, contract.pk))
            with django_assert_num_queries(1):
                got = selectors._CONTRACT_CARD.objects(org_id=org.pk, pk=contract.pk)
                assert [(_fields(c), _fields(c.product), _fields(c.product.creditor)) for c in got] == [
                    (_fields(c), _fields(c.product), _fields(c.product.creditor)) for c in expected
                ]
            assert len(got) == (1 if org.pk == contract.organization_id else 0)
            lines = card._CARD_LINES.objects(org_id=org.pk, contract_id=contract.pk)
            assert [_fields(line) for line in lines] == [
                _fields(line) for line in card._card_lines_query(org.pk, contract.pk)
            ]
            assert all(
                line.get_deferred_fields()
                == {
                    "external_id",
                    "vat_amount",
                    "document_kind",
                    "document_number",
                    "document_date",
                    "created_at",
                    "updated_at",
                }
                for line in lines
            )


def _contracts_with_creditor(org_id):
    return (
        Contract.objects.for_org_id(org_id)
        .select_related("product__creditor")
        .annotate(number_copy=F("number"))
        .order_by("pk")
    )


def test_the_prepared_objects_are_the_querysets_own_instances(org_a, org_b, ledgers):
    """`Prepared.objects` builds what the queryset's iterable builds: the fields, the select_related
    objects and the annotations, for whichever organization, after another one compiled the query."""
    prepared = Prepared(_contracts_with_creditor)

    def seen(contracts):
        return [
            (
                c.pk,
                c.organization_id,
                c.number,
                c.number_copy,
                c.product.pk,
                c.product.creditor.name,
                c._state.db,
                c._state.adding,
                {f.attname: getattr(c, f.attname) for f in Contract._meta.concrete_fields},
            )
            for c in contracts
        ]

    total = 0
    for org in (org_a, org_b, org_a):
        got = prepared.objects(org_id=org.pk)
        assert seen(got) == seen(list(_contracts_with_creditor(org.pk)))
        assert all(c.organization_id == org.pk for c in got)
        total += len(got)
    assert total >= 4


def test_a_stand_in_the_backend_wrapped_is_found_and_the_value_put_in_its_place_is_wrapped_alike():
    """PostgreSQL's backend passes a bigint lookup's value as psycopg's `Int8` (the debt cursor's kopecks)."""
    from psycopg.types.numeric import Int8

    from kabinet.core.prepared import is_stand_in, like_stand_in

    assert is_stand_in(Int8(-7), -7) and is_stand_in(-7, -7)
    assert not is_stand_in(Int8(-8), -7) and not is_stand_in(True, 1) and not is_stand_in("-7", -7)
    assert type(like_stand_in(Int8(-7), 42)) is Int8 and like_stand_in(Int8(-7), 42) == 42
    assert type(like_stand_in(-7, 42)) is int
