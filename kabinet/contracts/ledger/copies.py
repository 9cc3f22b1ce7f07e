"""The row copies: `allocate()`'s outcome on the rows themselves (each charge's paid amount, the day it
was paid in full, «paid in full»), set in memory by the readers and saved by `services.ledger_recompute`."""

from __future__ import annotations

from django.db.models import Model

from kabinet.contracts.ledger.loading import Inputs
from kabinet.contracts.ledger.rule import ADJUSTMENT, LINE, PENALTY, ZERO, Charge


def _set(row: Model, fields: tuple[str, ...], values: tuple, changed: list[Model]) -> None:
    if tuple(getattr(row, name) for name in fields) != values:
        for name, value in zip(fields, values, strict=True):
            setattr(row, name, value)
        changed.append(row)


def apply_outcome(inputs: Inputs, charges: list[Charge]) -> list[Model]:
    """Set each row's copies from its charge (in memory); returns the rows whose copies changed. A
    negative adjustment is a credit, not a charge: nothing to pay, so paid in full; so is a written-off
    penalty or a removed adjustment."""
    state = {c.key: c for c in charges}
    changed: list[Model] = []
    for line in inputs.lines:
        charge = state[(LINE, line.pk)]
        values = (charge.paid, charge.paid_date, charge.outstanding == 0)
        _set(line, ("paid_amount", "paid_date", "is_paid"), values, changed)
    for penalty in inputs.penalties:
        charge = state[(PENALTY, penalty.pk)]
        _set(penalty, ("paid_amount", "is_paid"), (charge.paid, charge.outstanding == 0), changed)
    for penalty in inputs.written_off:  # written off: nothing paid of it, nothing left to pay
        _set(penalty, ("paid_amount", "is_paid"), (ZERO, True), changed)
    for adjustment in inputs.adjustments:
        found = state.get((ADJUSTMENT, adjustment.pk))
        paid = (found.paid, found.outstanding == 0) if found else (ZERO, True)
        _set(adjustment, ("paid_amount", "is_paid"), paid, changed)
    for adjustment in inputs.removed:  # removed: nothing paid of it, nothing left to pay
        _set(adjustment, ("paid_amount", "is_paid"), (ZERO, True), changed)
    return changed
