"""Loading a contract's ledger from the database and turning it into the rule's charges and credits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from kabinet.contracts.ledger.rule import ADJUSTMENT, LINE, PAYMENT, PENALTY, Charge, Credit
from kabinet.contracts.models import Adjustment, Allocation, PaymentReceived, Penalty, ScheduledPayment


@dataclass
class Inputs:
    """One contract's rows: what the rule needs."""

    lines: list[ScheduledPayment] = field(default_factory=list)
    penalties: list[Penalty] = field(default_factory=list)
    # Penalties the books wrote off: owed until the write-off's date, shown by the акт, charged by no page.
    written_off: list[Penalty] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    # Adjustments the books removed: they count until the removal's date (the акт shows a reversal entry).
    removed: list[Adjustment] = field(default_factory=list)
    payments: list[PaymentReceived] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)


def in_section(queryset: QuerySet, creditor, path: str = "contract__product__creditor") -> QuerySet:
    """The rows of one creditor's section (all of them without a creditor); `path` leads to the creditor."""
    return queryset.filter(**{path: creditor}) if creditor is not None else queryset


def load(org_id: int, contract_ids: Iterable[int]) -> dict[int, Inputs]:
    """Everything the rule needs for some contracts of one organization, in five queries."""
    ids = list(contract_ids)
    out: dict[int, Inputs] = {pk: Inputs() for pk in ids}
    if not ids:
        return out

    def rows(model, order):
        return model.objects.for_org_id(org_id).filter(contract_id__in=ids).order_by(*order)

    for line in rows(ScheduledPayment, ["due_date", "number", "id"]):
        out[line.contract_id].lines.append(line)
    for penalty in rows(Penalty, ["accrued_on", "id"]):
        target = out[penalty.contract_id]
        (target.penalties if penalty.written_off_on is None else target.written_off).append(penalty)
    for adjustment in rows(Adjustment, ["date", "id"]):
        target = out[adjustment.contract_id]
        (target.adjustments if adjustment.removed_on is None else target.removed).append(adjustment)
    payments = list(rows(PaymentReceived, ["received_on", "id"]))
    for payment in payments:
        out[payment.contract_id].payments.append(payment)
    contract_of = {p.pk: p.contract_id for p in payments}
    if payments:
        for allocation in Allocation.objects.for_org_id(org_id).filter(payment__contract_id__in=ids).order_by("id"):
            out[contract_of[allocation.payment_id]].allocations.append(allocation)
    return out


def rule_inputs(inputs: Inputs, *, on: date | None = None) -> tuple[list[Charge], list[Credit]]:
    """The rows as the rule's charges (lines, penalties, positive adjustments) and credits (payments with
    the books' allocations, negative adjustments). Each charge's `paid` is the row's copy, which
    `allocate()` recomputes and the card keeps. A written-off penalty, or a positive adjustment the books
    removed, is a charge only for a figure on a day `on` before its write-off (removal); a removed negative
    adjustment is a credit undone on its removal's date (as a reversed payment)."""
    penalties = [
        *inputs.penalties,
        *(p for p in inputs.written_off if on is not None and p.written_off_on and on < p.written_off_on),
    ]
    charges = [
        Charge(LINE, line.pk, line.due_date, line.amount, line.vat_rate, line.number, line.paid_amount, line.paid_date)
        for line in inputs.lines
    ]
    charges += [Charge(PENALTY, p.pk, p.accrued_on, p.amount, None, paid=p.paid_amount) for p in penalties]
    removed_then = [a for a in inputs.removed if on is not None and a.removed_on and on < a.removed_on]
    charges += [
        Charge(ADJUSTMENT, a.pk, a.date, a.amount, a.vat_rate, paid=a.paid_amount)
        for a in [*inputs.adjustments, *removed_then]
        if a.amount > 0
    ]
    explicit: dict[int, list[tuple[str, int, Decimal]]] = defaultdict(list)
    for allocation in inputs.allocations:
        target = (LINE, allocation.line_id) if allocation.line_id else (PENALTY, allocation.penalty_id)
        explicit[allocation.payment_id].append((*target, allocation.amount))  # type: ignore[arg-type]  # one of the two ids is set (a constraint)
    credits = [
        Credit(PAYMENT, p.pk, p.received_on, p.amount, p.reversed_on, explicit.get(p.pk, [])) for p in inputs.payments
    ]
    credits += [Credit(ADJUSTMENT, a.pk, a.date, -a.amount) for a in inputs.adjustments if a.amount < 0]
    credits += [Credit(ADJUSTMENT, a.pk, a.date, -a.amount, a.removed_on) for a in inputs.removed if a.amount < 0]
    return charges, credits
