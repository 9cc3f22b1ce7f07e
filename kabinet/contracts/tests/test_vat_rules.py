"""The VAT table is data with every boundary tested, and the VAT of a remainder adds up with the VAT of
the parts paid to the line's VAT (docs/ledger-rules.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.contracts import ledger
from kabinet.contracts.models import ScheduledPayment
from kabinet.core.money import vat_included, vat_of_remainder, vat_rate_on
from kabinet.invoices import selectors
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory, pay_line


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2004, 1, 1), "18"),
        (date(2018, 12, 15), "18"),
        (date(2018, 12, 31), "18"),  # old code: 20
        (date(2019, 1, 1), "20"),
        (date(2025, 12, 31), "20"),
        (date(2026, 1, 1), "22"),
        (date(2040, 1, 1), "22"),
    ],
)
def test_the_vat_table_at_every_boundary(day, rate):
    assert vat_rate_on(day) == Decimal(rate)


def test_a_line_of_15_12_2018_at_18_percent_is_accepted_by_the_api(db, creditor):
    # Old code: 400 «VAT rate 18.00 % differs from 20 %».
    from kabinet.api.serializers import ScheduleSerializer

    rows = [
        {"number": 1, "due_date": "2018-12-15", "amount": "118.00", "vat_rate": "18"},
        {"number": 2, "due_date": "2019-01-15", "amount": "120.00", "vat_rate": "20"},
    ]
    serializer = ScheduleSerializer(data={"payments": rows})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["warnings"] == []
    wrong = ScheduleSerializer(data={"payments": [{**rows[0], "vat_rate": "20"}]})
    assert not wrong.is_valid() and "18" in str(wrong.errors)


def test_the_vat_of_a_remainder_is_the_lines_vat_less_the_vat_paid():
    line, paid = Decimal("55000.00"), Decimal("25000.00")
    assert vat_included(line, Decimal("22")) == Decimal("9918.03")
    assert vat_included(paid, Decimal("22")) == Decimal("4508.20")
    # Old code rounded the remainder on its own: 5 409,84 (the parts made 9 918,04).
    assert vat_of_remainder(line, paid, Decimal("22")) == Decimal("5409.83")
    assert vat_of_remainder(line, line, Decimal("22")) == Decimal("0.00")


def test_the_ledger_the_debt_block_and_the_invoice_split_the_vat_exactly(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    line = ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=timezone.localdate() - timedelta(days=5),
        amount=Decimal("55000.00"),
        vat_rate=Decimal("22"),
    )
    pay_line(line, "25000.00")
    row = ScheduledPayment.objects.get(pk=line.pk)
    assert row.outstanding_vat == Decimal("5409.83")
    due = selectors.payment_due(org_a, line.pk)
    assert due is not None and due.vat == Decimal("5409.83")
    (debt_line,) = ledger.org_debt(org_a).rows[0].lines
    assert debt_line.vat == Decimal("5409.83")  # the database's sum, the same rule
    (card_line,) = ledger.contract_debt_lines(contract)
    assert card_line.vat == Decimal("5409.83")
