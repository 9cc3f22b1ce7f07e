"""The reconciliation statement (Акт сверки): every entry of the ledger in date order, with the opening
and closing balance. A positive balance is in the creditor's favour. Charges enter on their due date; a
reversed payment is a credit on `received_on` and a debit on `reversed_on`; a written-off penalty is a
debit on `accrued_on` and a credit on `written_off_on`; a removed adjustment is its entry on `date` and the
opposite entry on `removed_on`. Every entry keeps the date the books gave it, so
a period changes only by entries dated inside it (docs/ledger-rules.md, «Акт сверки»)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from kabinet.contracts.ledger.loading import Inputs, in_section, load
from kabinet.contracts.ledger.rule import ZERO
from kabinet.contracts.models import Adjustment, Contract, PaymentReceived, Penalty, ScheduledPayment

# The order of entries of one contract on one day.
_KIND_ORDER = {
    "charge": 0,
    "penalty": 1,
    "adjustment": 2,
    "payment": 3,
    "write_off": 4,
    "reversal": 5,
    "adjustment_reversal": 6,
}


@dataclass
class StatementEntry:
    date: date
    kind: str  # "charge", "penalty", "adjustment", "payment", "write_off", "reversal", "adjustment_reversal"
    contract: Contract
    description: str
    document: str  # the primary document as the акт names it («УПД № 7 от 31.01.2026», «п/п № 12 от …»), or ""
    debit: Decimal  # the client owes more
    credit: Decimal  # the client paid


@dataclass
class Statement:
    start: date
    end: date
    contract: Contract | None
    opening: Decimal
    entries: list[StatementEntry]

    @property
    def debit_total(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit_total - self.credit_total


def _with_detail(text: str, detail: str) -> str:
    return f"{text}: {detail}" if detail else text


def _document(kind: str, number: str, day: date | None) -> str:
    """«УПД № 7 от 31.01.2026», «п/п № 12 от 28.02.2026»; "" without a number."""
    if not number:
        return ""
    if day is None:
        return _("%(kind)s No. %(number)s") % {"kind": kind, "number": number}
    return _("%(kind)s No. %(number)s of %(date)s") % {"kind": kind, "number": number, "date": day.strftime("%d.%m.%Y")}


def _line_entry(contract: Contract, line: ScheduledPayment) -> StatementEntry:
    text = _("Leasing payment No. %(n)s under contract No. %(contract)s") % {
        "n": line.number,
        "contract": contract.number,
    }
    document = _document(line.document_kind or _("UPD"), line.document_number, line.document_date)
    return StatementEntry(line.due_date, "charge", contract, text, document, line.amount, ZERO)


def _penalty_entry(contract: Contract, penalty: Penalty) -> StatementEntry:
    text = _with_detail(_("Penalty under contract No. %(contract)s") % {"contract": contract.number}, penalty.basis)
    return StatementEntry(penalty.accrued_on, "penalty", contract, text, "", penalty.amount, ZERO)


def _write_off_entry(contract: Contract, penalty: Penalty) -> StatementEntry:
    text = _with_detail(
        _("Write-off of penalties under contract No. %(contract)s") % {"contract": contract.number}, penalty.basis
    )
    day = penalty.written_off_on or penalty.accrued_on  # only written-off penalties come here
    return StatementEntry(day, "write_off", contract, text, "", ZERO, penalty.amount)


def _adjustment_entry(contract: Contract, adjustment: Adjustment) -> StatementEntry:
    text = _with_detail(
        _("Adjustment under contract No. %(contract)s") % {"contract": contract.number}, adjustment.reason
    )
    debit, credit = max(adjustment.amount, ZERO), max(-adjustment.amount, ZERO)
    document = _document(_("document"), adjustment.document_number, adjustment.date)
    return StatementEntry(adjustment.date, "adjustment", contract, text, document, debit, credit)


def _adjustment_reversal_entry(contract: Contract, adjustment: Adjustment) -> StatementEntry:
    """The books removed the adjustment: the opposite entry on the removal's date (its own entry stays)."""
    text = _with_detail(
        _("Reversal of the adjustment under contract No. %(contract)s") % {"contract": contract.number},
        adjustment.reason,
    )
    credit, debit = max(adjustment.amount, ZERO), max(-adjustment.amount, ZERO)
    document = _document(_("document"), adjustment.document_number, adjustment.date)
    day = adjustment.removed_on or adjustment.date  # only removed adjustments come here
    return StatementEntry(day, "adjustment_reversal", contract, text, document, debit, credit)


def _payment_entries(contract: Contract, payment: PaymentReceived) -> list[StatementEntry]:
    text = _("Payment under contract No. %(contract)s") % {"contract": contract.number}
    order = _document(_("payment order"), payment.document_number, payment.received_on)
    out = [StatementEntry(payment.received_on, "payment", contract, text, order, ZERO, payment.amount)]
    if payment.reversed_on:
        text = _("Reversal of the payment under contract No. %(contract)s") % {"contract": contract.number}
        if payment.reversal_document:
            document = _document(_("document"), payment.reversal_document, payment.reversed_on)
        else:
            document = order
        out.append(StatementEntry(payment.reversed_on, "reversal", contract, text, document, payment.amount, ZERO))
    return out


def _entries(contract: Contract, inputs: Inputs) -> list[StatementEntry]:
    out = [_line_entry(contract, line) for line in inputs.lines]
    out += [_penalty_entry(contract, penalty) for penalty in [*inputs.penalties, *inputs.written_off]]
    out += [_write_off_entry(contract, penalty) for penalty in inputs.written_off]
    out += [_adjustment_entry(contract, adjustment) for adjustment in [*inputs.adjustments, *inputs.removed]]
    out += [_adjustment_reversal_entry(contract, adjustment) for adjustment in inputs.removed]
    for payment in inputs.payments:
        out += _payment_entries(contract, payment)
    return out


def statement(org, *, start: date, end: date, contract: Contract | None = None, creditor=None) -> Statement:
    """The statement of the organization (or of one contract, or of one creditor's section): `opening`
    balance before `start`, `entries` dated within [start, end], `debit_total`, `credit_total`, `closing`."""
    if contract is not None:
        contracts = [contract]
    else:
        contracts = list(in_section(Contract.objects.for_org(org), creditor, "product__creditor").order_by("number"))
    inputs = load(org.pk, [c.pk for c in contracts])
    entries: list[StatementEntry] = []
    for c in contracts:
        entries += _entries(c, inputs[c.pk])
    opening = sum((e.debit - e.credit for e in entries if e.date < start), ZERO)
    period = sorted(
        (e for e in entries if start <= e.date <= end),
        key=lambda e: (e.date, e.contract.number, _KIND_ORDER[e.kind]),
    )
    return Statement(start=start, end=end, contract=contract, opening=opening, entries=period)
