"""The books' own overdue figure (`BooksDebt`) on their date D, against the ledger's on the same date
(`BooksCheck`), and rolled forward to today (`BooksFigure`): the contract's debt as the portal shows it.
The rules: docs/ledger-rules.md, «The books' debt figure» (B1–B7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kabinet.contracts.ledger.loading import Inputs, rule_inputs
from kabinet.contracts.ledger.rule import ADJUSTMENT, PENALTY, ZERO, Charge, Credit, allocate, charge_debt_lines
from kabinet.contracts.models import BooksDebt
from kabinet.core.money import vat_included, vat_rate_on


@dataclass
class BooksCheck:
    as_of: date
    books_amount: Decimal
    books_penalty: Decimal
    ledger_amount: Decimal
    ledger_penalty: Decimal
    # What the roll-forward needs of D (B2, B7): the ledger's advance on D, and Σ charges due before D (of
    # those still charged now) − Σ credits counting now.
    ledger_advance: Decimal = ZERO
    ledger_balance: Decimal = ZERO

    @property
    def books_total(self) -> Decimal:
        return self.books_amount + self.books_penalty

    @property
    def ledger_total(self) -> Decimal:
        return self.ledger_amount + self.ledger_penalty

    @property
    def difference(self) -> Decimal:
        return self.books_total - self.ledger_total

    @property
    def agrees(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True)
class ResidualLine:
    """A part of the books' residual at one VAT rate (None: without VAT, the penalties' part)."""

    rate: Decimal | None
    amount: Decimal
    vat: Decimal


@dataclass
class BooksFigure:
    """The contract's debt today by the books' figure rolled forward (B1): `headline` = the portal's
    overdue + `residual`, the part the portal cannot break down («не детализировано учётом»)."""

    as_of: date
    books_total: Decimal
    portal: Decimal  # the portal's own overdue today
    headline: Decimal
    residual_lines: list[ResidualLine] = field(default_factory=list)

    @property
    def residual(self) -> Decimal:
        return self.headline - self.portal


def books_residual(check: BooksCheck, *, overdue: Decimal, due_since: Decimal, today: date) -> Decimal:
    """The residual of B2: the books' difference on D, less (while it is a debt) what the client paid
    since D beyond the portal's own overdue; the headline it gives is never below 0,00.

    `overdue` is the portal's overdue today, `due_since` Σ of the charges falling due on D or later and
    before today."""
    delta = check.difference
    if delta > 0 and today > check.as_of:
        # The advance today: every credit counting now less what paid charges due before today.
        advance_now = overdue - (check.ledger_balance + due_since)
        delta -= min(max(advance_now - check.ledger_advance, ZERO), delta)
    return max(delta, -overdue)


def books_figure(
    check: BooksCheck | None, *, overdue: Decimal, due_since: Decimal, today: date, per_rate=None
) -> BooksFigure | None:
    """The one selector of the contract's debt by the books (B1–B4): None without a books' figure.
    `per_rate` (the books' differences per rate, `residual_parts`) splits the residual by VAT (B4); the
    pages that show only the total pass none."""
    if check is None:
        return None
    residual = books_residual(check, overdue=overdue, due_since=due_since, today=today)
    return BooksFigure(
        as_of=check.as_of,
        books_total=check.books_total,
        portal=overdue,
        headline=overdue + residual,
        residual_lines=split_residual(per_rate, residual) if per_rate is not None else [],
    )


def due_between(charges: Iterable[Charge], start: date, end: date) -> Decimal:
    """Σ of the charges falling due on `start` or later and before `end`."""
    return sum((c.amount for c in charges if start <= c.due < end), ZERO)


def single_rate(inputs: Inputs, as_of: date) -> Decimal:
    """The rate a single books' amount is read at (B4): the contract's latest schedule line due on or
    before D, else the rate in force on D."""
    before = [line for line in inputs.lines if line.due_date <= as_of]
    if before:
        return max(before, key=lambda line: (line.due_date, line.number, line.pk)).vat_rate
    return vat_rate_on(as_of)


def books_lines(books: BooksDebt, inputs: Inputs) -> dict[Decimal | None, Decimal]:
    """The books' amount per VAT rate (the penalty apart): the lines they sent, or the single amount at
    the rate of B4."""
    if books.lines:
        out: dict[Decimal | None, Decimal] = {}
        for line in books.lines:
            rate = Decimal(line["rate"]) if line.get("rate") is not None else None
            out[rate] = out.get(rate, ZERO) + Decimal(line["amount"])
        return out
    return {single_rate(inputs, books.as_of): books.amount} if books.amount else {}


def residual_parts(books: BooksDebt, inputs: Inputs, charges_on_date: list[Charge]) -> list[tuple]:
    """The books' difference per rate on D (B4): (rate, books' − the ledger's overdue of that rate on D),
    the penalties' difference last (no VAT, marked by `PENALTY`)."""
    ledger_by_rate = {
        line.rate: line.amount
        for line in charge_debt_lines(c for c in charges_on_date if c.due < books.as_of and c.kind != PENALTY)
    }
    ledger_penalty = sum((c.outstanding for c in charges_on_date if c.due < books.as_of and c.kind == PENALTY), ZERO)
    by_rate = books_lines(books, inputs)
    rates = sorted(set(by_rate) | set(ledger_by_rate), key=lambda r: (r is None, r or 0))
    parts: list[tuple] = [(rate, by_rate.get(rate, ZERO) - ledger_by_rate.get(rate, ZERO)) for rate in rates]
    parts.append((PENALTY, books.penalty - ledger_penalty))
    return parts


def split_residual(parts: list[tuple], residual: Decimal) -> list[ResidualLine]:
    """The residual over the per-rate differences (B4): all of them when they add up to it, else the
    parts of its sign in order, each up to what is left of it."""
    if residual == 0:
        return []
    if sum((amount for _rate, amount in parts), ZERO) == residual:
        chosen = [(rate, amount) for rate, amount in parts if amount != 0]
    else:
        chosen, left = [], abs(residual)
        sign = 1 if residual > 0 else -1
        for rate, amount in parts:
            take = min(abs(amount), left) if amount * sign > 0 else ZERO
            if take > 0:
                chosen.append((rate, take * sign))
                left -= take
        if left > 0:  # cannot happen (|residual| ≤ Σ of the parts of its sign), kept exact anyway
            rate = parts[0][0] if parts else None
            chosen.append((rate, left * sign))
    out = []
    for rate, amount in chosen:
        vat_rate = None if rate == PENALTY else rate
        vat = -vat_included(-amount, vat_rate) if amount < 0 and vat_rate else ZERO
        if amount > 0 and vat_rate:
            vat = vat_included(amount, vat_rate)
        out.append(ResidualLine(vat_rate, amount, vat))
    return out


def books_check_of(inputs: Inputs, books: BooksDebt) -> BooksCheck:
    """The check computed from the whole ledger (what `services.ledger_recompute` copies onto the row)."""
    return _check_and_charges(inputs, books)[0]


def _check_and_charges(inputs: Inputs, books: BooksDebt) -> tuple[BooksCheck, list[Charge]]:
    charges, credits = rule_inputs(inputs, on=books.as_of)
    allocated = allocate(charges, credits, on=books.as_of)
    before = [c for c in allocated.charges if c.due < books.as_of]
    counted_on = sum((c.amount for c in allocated.credits), ZERO)
    counted_now = _counted_now(credits)
    # Charged on D but not now (written off, removed since): not in the charges the advance now is read from.
    gone = {(PENALTY, p.pk) for p in inputs.written_off} | {(ADJUSTMENT, a.pk) for a in inputs.removed}
    check = BooksCheck(
        as_of=books.as_of,
        books_amount=books.amount,
        books_penalty=books.penalty,
        ledger_amount=sum((c.outstanding for c in before if c.kind != PENALTY), ZERO),
        ledger_penalty=sum((c.outstanding for c in before if c.kind == PENALTY), ZERO),
        ledger_advance=counted_on - sum((c.paid for c in before), ZERO),
        ledger_balance=sum((c.amount for c in before if c.key not in gone), ZERO) - counted_now,
    )
    return check, allocated.charges


def _counted_now(credits: list[Credit]) -> Decimal:
    return sum((c.amount for c in credits if c.counts_on(None)), ZERO)


def books_parts_of(inputs: Inputs, books: BooksDebt) -> list[tuple]:
    """`residual_parts` from the whole ledger (the debt invoice)."""
    _check, charges_on_date = _check_and_charges(inputs, books)
    return residual_parts(books, inputs, charges_on_date)


def copied_books_check(books: BooksDebt | None) -> BooksCheck | None:
    """The check from the copies on the row; None when there is no row or no copy yet (a row written
    around the services: the caller then computes it from the ledger with `books_check_of`)."""
    copies = (books.ledger_amount, books.ledger_penalty, books.ledger_advance, books.ledger_balance) if books else None
    if books is None or copies is None or any(value is None for value in copies):
        return None
    return BooksCheck(
        as_of=books.as_of,
        books_amount=books.amount,
        books_penalty=books.penalty,
        ledger_amount=books.ledger_amount,  # type: ignore[arg-type]  # checked above
        ledger_penalty=books.ledger_penalty,  # type: ignore[arg-type]
        ledger_advance=books.ledger_advance,  # type: ignore[arg-type]
        ledger_balance=books.ledger_balance,  # type: ignore[arg-type]
    )
