"""The money figures invoices read: thin names over the ledger's selectors (`kabinet.contracts.ledger`),
so an invoice, the card, the calendar and the debt block cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, ScheduledPayment

DebtLine = ledger.DebtLine  # rate (None: no VAT, e.g. penalties), amount, vat, is_penalty


@dataclass(frozen=True)
class PaymentDue:
    """What is still to pay of one schedule line."""

    payment: ScheduledPayment
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal


def payment_due(org, payment_id: int) -> PaymentDue | None:
    line = ledger.payment_line(org, payment_id)
    if line is None or line.outstanding <= 0:
        return None
    return PaymentDue(payment=line, amount=line.outstanding, vat_rate=line.vat_rate, vat=line.outstanding_vat)


def debt_lines(org, contract: Contract) -> list[DebtLine]:
    """The contract's overdue debt, one line per VAT rate (VAT = Σ of its charges' VAT)."""
    return [line for line in ledger.contract_debt_lines(contract) if line.amount > 0]


def outstanding_by_payment(org, payment_ids: list[int]) -> dict[int, Decimal]:
    return ledger.lines_outstanding(org, payment_ids)


def overdue_by_contract(org, contract_ids: list[int], on: date | None = None) -> dict[int, Decimal]:
    return ledger.contracts_overdue(org, contract_ids, today=on)
