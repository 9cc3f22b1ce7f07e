"""The allocation rule as a pure function: credits pay charges, explicit allocations first, then the
oldest due first. No database: every other module of the ledger builds on `allocate()`."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kabinet.core.money import vat_of_remainder

ZERO = Decimal("0.00")
LINE, ADJUSTMENT, PENALTY, PAYMENT = "line", "adjustment", "penalty", "payment"
# On one day: schedule lines before adjustments before penalties (credits: payments before adjustments).
_KIND_ORDER = {LINE: 0, ADJUSTMENT: 1, PENALTY: 2, PAYMENT: 0}


@dataclass
class Charge:
    kind: str  # LINE, PENALTY or ADJUSTMENT
    id: int
    due: date
    amount: Decimal
    vat_rate: Decimal | None = None
    number: int = 0
    paid: Decimal = ZERO
    paid_date: date | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, ZERO)

    @property
    def outstanding_vat(self) -> Decimal:
        return vat_of_remainder(self.amount, self.paid, self.vat_rate) if self.vat_rate is not None else ZERO


@dataclass
class Credit:
    kind: str  # PAYMENT or ADJUSTMENT
    id: int
    date: datetime.date  # (the field's name hides the type inside the class)
    amount: Decimal
    reversed_on: datetime.date | None = None
    explicit: list[tuple[str, int, Decimal]] = field(default_factory=list)  # (charge kind, charge id, amount)
    unallocated: Decimal = ZERO

    def counts_on(self, on: datetime.date | None) -> bool:
        if on is None:
            return self.reversed_on is None
        return self.date <= on and (self.reversed_on is None or self.reversed_on > on)


@dataclass
class Allocated:
    charges: list[Charge]
    credits: list[Credit]
    # (credit kind, credit id) -> [(charge kind, charge id, amount)]
    splits: dict[tuple[str, int], list[tuple[str, int, Decimal]]]

    @property
    def unallocated(self) -> Decimal:
        return sum((c.unallocated for c in self.credits), ZERO)


class _Payer:
    """The state of one run of the rule: what each charge was paid, and by which credit."""

    def __init__(self, charges: list[Charge]):
        self.charges = charges
        self.by_key = {c.key: c for c in charges}
        self.splits: dict[tuple[str, int], list[tuple[str, int, Decimal]]] = defaultdict(list)

    def pay(self, credit: Credit, charge: Charge, most: Decimal) -> Decimal:
        """Pay `charge` from `credit`, at most `most`; returns what was paid."""
        take = min(charge.outstanding, most)
        if take <= 0:
            return ZERO
        charge.paid += take
        if charge.outstanding == 0:
            charge.paid_date = credit.date
        self.splits[(credit.kind, credit.id)].append((charge.kind, charge.id, take))
        return take

    def explicit(self, credit: Credit) -> Decimal:
        """Pay what the books allocated; returns what is left of the credit."""
        remaining = credit.amount
        for kind, charge_id, amount in credit.explicit:
            charge = self.by_key.get((kind, charge_id))
            if charge is not None:  # a line that is gone: its money goes back to the pool
                remaining -= self.pay(credit, charge, min(amount, remaining))
        return remaining

    def oldest_first(self, credit: Credit, remaining: Decimal) -> Decimal:
        for charge in self.charges:
            if remaining <= 0:
                break
            remaining -= self.pay(credit, charge, remaining)
        return remaining


def allocate(charges: list[Charge], credits: list[Credit], *, on: date | None = None) -> Allocated:
    """Pay the charges with the credits: explicit allocations first, then oldest-due-first.

    With `on`, only credits dated up to `on` count (a payment reversed on or before `on` does not);
    charges are all considered, so callers filter by due date."""
    charges = sorted(charges, key=lambda c: (c.due, _KIND_ORDER[c.kind], c.number, c.id))
    for charge in charges:
        charge.paid, charge.paid_date = ZERO, None
    for credit in credits:
        credit.unallocated = ZERO
    live = sorted((c for c in credits if c.counts_on(on)), key=lambda c: (c.date, _KIND_ORDER[c.kind], c.id))
    payer = _Payer(charges)
    left = [payer.explicit(credit) for credit in live]
    for credit, remaining in zip(live, left, strict=True):
        credit.unallocated = payer.oldest_first(credit, remaining)
    return Allocated(charges=charges, credits=live, splits=dict(payer.splits))


@dataclass
class DebtLine:
    """One line of the overdue debt: the outstanding of the overdue charges of one VAT rate."""

    rate: Decimal | None  # None: no VAT (penalties)
    amount: Decimal
    vat: Decimal
    is_penalty: bool = False


def debt_lines(sums: Iterable[tuple[Decimal | None, bool, Decimal, Decimal]]) -> list[DebtLine]:
    """The overdue debt one line per VAT rate (no VAT last), from (rate, penalty?, outstanding, VAT of the
    outstanding) of each charge or of sums of charges (the database's, `debt.org_debt`): the same lines."""
    amounts: dict[Decimal | None, Decimal] = defaultdict(Decimal)
    vats: dict[Decimal | None, Decimal] = defaultdict(Decimal)
    penalty_rates: set[Decimal | None] = set()
    for rate, penalty, amount, vat in sums:
        if amount <= 0:
            continue
        amounts[rate] += amount
        vats[rate] += vat if rate is not None else ZERO
        if penalty:
            penalty_rates.add(rate)
    order = sorted(amounts, key=lambda r: (r is None, r or 0))
    return [
        DebtLine(rate=rate, amount=amounts[rate], vat=vats[rate], is_penalty=rate is None and rate in penalty_rates)
        for rate in order
    ]


def charge_debt_lines(charges: Iterable[Charge]) -> list[DebtLine]:
    return debt_lines((c.vat_rate, c.kind == PENALTY, c.outstanding, c.outstanding_vat) for c in charges)
