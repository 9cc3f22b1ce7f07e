"""The money figures invoices read: the only place in this app that asks the contracts' books.

Everything here delegates to the contracts app's selectors, so an invoice, the card, the calendar
and the debt block cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core.money import vat_included


@dataclass(frozen=True)
class PaymentDue:
    """What is still to pay of one schedule line."""

    payment: ScheduledPayment
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal


@dataclass(frozen=True)
class DebtLine:
    """The overdue debt of a contract at one VAT rate; `vat` is the sum of its lines' VAT."""

    vat_rate: Decimal
    amount: Decimal
    vat: Decimal


def payment_due(org, payment_id: int) -> PaymentDue | None:
    payment = (
        ScheduledPayment.objects.for_org(org)
        .select_related("contract", "contract__product__creditor")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None or payment.outstanding <= 0:
        return None
    return PaymentDue(
        payment=payment, amount=payment.outstanding, vat_rate=payment.vat_rate, vat=payment.outstanding_vat
    )


def debt_lines(org, contract: Contract) -> list[DebtLine]:
    """The contract's overdue debt, one line per VAT rate, lowest rate first."""
    today = timezone.localdate()
    amounts: dict[Decimal, Decimal] = defaultdict(Decimal)
    vats: dict[Decimal, Decimal] = defaultdict(Decimal)
    for payment in ScheduledPayment.objects.for_org(org).filter(contract=contract, is_paid=False, due_date__lt=today):
        if payment.outstanding > 0:
            amounts[payment.vat_rate] += payment.outstanding
            vats[payment.vat_rate] += vat_included(payment.outstanding, payment.vat_rate)
    return [DebtLine(vat_rate=rate, amount=amounts[rate], vat=vats[rate]) for rate in sorted(amounts)]


def outstanding_by_payment(org, payment_ids: list[int]) -> dict[int, Decimal]:
    """What is still to pay of each of these lines (a line the books removed is absent)."""
    rows = ScheduledPayment.objects.for_org(org).filter(pk__in=payment_ids).only("pk", "amount", "paid_amount")
    return {row.pk: row.outstanding for row in rows}


def overdue_by_contract(org, contract_ids: list[int], on: date | None = None) -> dict[int, Decimal]:
    """The overdue debt of each of these contracts (0 when none)."""
    today = on or timezone.localdate()
    result: dict[int, Decimal] = {pk: Decimal("0") for pk in contract_ids}
    rows = ScheduledPayment.objects.for_org(org).filter(contract_id__in=contract_ids, is_paid=False, due_date__lt=today)
    for row in rows.only("contract_id", "amount", "paid_amount"):
        result[row.contract_id] += row.outstanding
    return result
