"""The ledger: the one place every money figure of the portal comes from.

A contract's ledger is made of
- charges: schedule lines (`ScheduledPayment`, due on `due_date`, with a VAT rate), penalties
  (`Penalty`, пени, due on `accrued_on`, no VAT) and positive adjustments (`Adjustment`, due on `date`);
- credits: payments received (`PaymentReceived`, on `received_on`; a reversed one counts until its
  `reversed_on`) and negative adjustments.

Credits pay charges: first as the books said (`Allocation` rows of a payment), then whatever is left
oldest-due-first (by due date; lines before adjustments before penalties on one day; then number).
What is left after every charge is paid is an advance (`unallocated`). `allocate()` is that rule as a
pure function; every figure below is computed from it, and the copies kept on the rows for fast
lists (`paid_amount`, `paid_date`, `is_paid` of lines, penalties and adjustments; the ledger's figure
on the books' date on `BooksDebt`) are written by
`kabinet.contracts.services.ledger_recompute` from the very same function in the same transaction
as the ledger write (a test proves they are equal).

Public API (names are stable; other apps — invoices, the reconciliation statement — build on them):

`allocate(charges: list[Charge], credits: list[Credit], *, on: date | None = None) -> Allocated`
    The allocation rule. With `on`, only credits dated up to `on` count (a payment reversed on or
    before `on` does not); charges are all considered, so callers filter by due date.

`contract_ledger(contract, *, today: date | None = None, on: date | None = None) -> ContractLedger`
    Everything about one contract's money (5 queries): `lines` (the schedule, each a `ScheduledPayment`
    with `paid_amount`, `paid_date`, `is_paid`, `outstanding`, `outstanding_vat`, `status` set from the
    ledger), `penalties`, `adjustments`, `payments` (received, with their allocations), `unallocated`,
    and the figures: `schedule_total` (Σ line amounts), `schedule_vat`, `paid` (Σ paid on charges),
    `remaining` («Осталось оплатить»: Σ outstanding of every charge), `overdue` («Просрочено»: Σ
    outstanding of charges due before `today`), `penalties_outstanding`, `next_line` (the soonest unpaid
    line due today or later), `unpaid_lines` (outstanding > 0, by due date: the ICS calendar),
    `debt_lines` (list[DebtLine]: the overdue debt, one line per VAT rate, VAT = Σ of each charge's VAT
    of its outstanding; penalties are a line with rate None), `books` (the `BooksDebt` row or None) and
    `books_check` (BooksCheck: the books' figure vs the ledger's overdue on the books' date).

`contract_card(contract, *, today=None) -> ContractLedger`
    The same figures read from the row copies (2 queries): the contract card. `payments` holds only
    the payments that count now, without splits. The property test checks it equals `contract_ledger`.

`contract_debt_lines(contract, *, today=None) -> list[DebtLine]`
    `contract_ledger(contract).debt_lines`: what «Счёт на оплату задолженности» asks for.

`org_debt(org, creditor=None, *, today=None, after="", limit=None) -> DebtSummary`
    The main page's «Просроченная задолженность»: `total` and `count` (over every contract in debt),
    `as_of` (today: the ledger is always current), `rows` (list[ContractDebt]: `contract`, `amount`,
    `lines` per VAT rate, `books`, `books_check`; largest debt first, then by contract id), `books_only`
    (in debt by the books only, last), keyset paged with `limit` and `after` (`next_cursor`, "" at the
    end), from the row copies in two queries whatever the size of the organization or the page: sums
    per contract and VAT rate computed by the database (the VAT of each charge's outstanding rounded
    as `money.vat_included` does), over the index `payment_org_overdue_sums`; the books' check from
    the copy on the `BooksDebt` row (`ledger_amount`, `ledger_penalty`, kept by `ledger_recompute`).

`calendar_page(org, creditor=None, *, after: str = "", limit: int = 10, today=None) -> CalendarPage`
    The payment calendar: unpaid schedule lines due today or later, ordered by (due_date, id), keyset
    paged: `rows` (ScheduledPayment with `outstanding`, `outstanding_vat`), `next_cursor` ("" at the end).
    Never repeats or skips a row however many pages are walked.

`payment_line(org, line_id: int) -> ScheduledPayment | None`
    One schedule line of the organization with its ledger state (for «Счёт на оплату»); None if absent.

`with_next_payment(org, contracts: list[Contract], *, today=None) -> list[Contract]`
    Sets `next_due_date` and `next_amount` (outstanding of the soonest unpaid line from today) on a page
    of contracts, one query.

`lines_due_on(day: date) -> list[ScheduledPayment]`
    Unpaid lines of every organization due on a day (the reminder job), with `outstanding`.

`statement(org, *, start: date, end: date, contract=None, creditor=None) -> Statement`
    The reconciliation statement (Акт сверки) of the organization (or one contract): `opening` balance
    before `start`, `entries` (list[StatementEntry]: `date`, `kind`, `contract`, `description`,
    `document`, `debit` (the client owes more), `credit` (the client paid)) dated within [start, end]
    in date order, `debit_total`, `credit_total`, `closing`. A positive balance is in the creditor's
    favour. Charges enter on their due date; a reversed payment is a credit on `received_on` and a debit
    on `reversed_on`.

`buyout_quote(contract, day: date) -> BuyoutQuote | None` / `has_buyout(contract) -> bool`
    Early buyout: the value the books quote for `day` (the latest value dated on or before it, or the
    first one when `day` precedes them all); None without data.

`ics_uid(contract, line) -> str`
    The stable UID of a line in the calendar file: `<contract external id or id>-<number>@<PORTAL_HOST>`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    BooleanField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.contracts.models import (
    Adjustment,
    Allocation,
    BooksDebt,
    BuyoutValue,
    Contract,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.core.money import MoneyField, vat_included
from kabinet.core.prepared import Prepared

ZERO = Decimal("0.00")
LINE, ADJUSTMENT, PENALTY, PAYMENT = "line", "adjustment", "penalty", "payment"
_KIND_ORDER = {LINE: 0, ADJUSTMENT: 1, PENALTY: 2, PAYMENT: 0}


# ---------------------------------------------------------------------------------------------
# The rule


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
        return vat_included(self.outstanding, self.vat_rate) if self.vat_rate is not None else ZERO


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


def allocate(charges: list[Charge], credits: list[Credit], *, on: date | None = None) -> Allocated:
    """Pay the charges with the credits: explicit allocations first, then oldest-due-first."""
    charges = sorted(charges, key=lambda c: (c.due, _KIND_ORDER[c.kind], c.number, c.id))
    for charge in charges:
        charge.paid, charge.paid_date = ZERO, None
    by_key = {c.key: c for c in charges}
    live = sorted((c for c in credits if c.counts_on(on)), key=lambda c: (c.date, _KIND_ORDER[c.kind], c.id))
    for credit in credits:
        credit.unallocated = ZERO
    splits: dict[tuple[str, int], list[tuple[str, int, Decimal]]] = defaultdict(list)
    left = {}

    def pay(credit: Credit, charge: Charge, amount: Decimal) -> None:
        charge.paid += amount
        if charge.outstanding == 0:
            charge.paid_date = credit.date
        splits[(credit.kind, credit.id)].append((charge.kind, charge.id, amount))

    for credit in live:
        remaining = credit.amount
        for kind, charge_id, amount in credit.explicit:
            explicit_charge = by_key.get((kind, charge_id))
            if explicit_charge is None:
                continue  # the line is gone: its money goes back to the pool
            take = min(amount, explicit_charge.outstanding, remaining)
            if take > 0:
                pay(credit, explicit_charge, take)
                remaining -= take
        left[(credit.kind, credit.id)] = remaining
    for credit in live:
        remaining = left[(credit.kind, credit.id)]
        for charge in charges:
            if remaining <= 0:
                break
            take = min(charge.outstanding, remaining)
            if take > 0:
                pay(credit, charge, take)
                remaining -= take
        credit.unallocated = remaining
    return Allocated(charges=charges, credits=live, splits=dict(splits))


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class _Inputs:
    lines: list[ScheduledPayment] = field(default_factory=list)
    penalties: list[Penalty] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    payments: list[PaymentReceived] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)


def load(org_id: int, contract_ids: Iterable[int], *, for_update: bool = False) -> dict[int, _Inputs]:
    """Everything the rule needs for some contracts of one organization, in five queries."""
    ids = list(contract_ids)
    out: dict[int, _Inputs] = {pk: _Inputs() for pk in ids}
    if not ids:
        return out

    def rows(model, order):
        qs = model.objects.for_org_id(org_id).filter(contract_id__in=ids).order_by(*order)
        return qs

    for line in rows(ScheduledPayment, ["due_date", "number", "id"]):
        out[line.contract_id].lines.append(line)
    for penalty in rows(Penalty, ["accrued_on", "id"]):
        out[penalty.contract_id].penalties.append(penalty)
    for adjustment in rows(Adjustment, ["date", "id"]):
        out[adjustment.contract_id].adjustments.append(adjustment)
    payments = list(rows(PaymentReceived, ["received_on", "id"]))
    for payment in payments:
        out[payment.contract_id].payments.append(payment)
    contract_of = {p.pk: p.contract_id for p in payments}
    if payments:
        for allocation in Allocation.objects.for_org_id(org_id).filter(payment__contract_id__in=ids).order_by("id"):
            out[contract_of[allocation.payment_id]].allocations.append(allocation)
    return out


def _rule_inputs(inputs: _Inputs) -> tuple[list[Charge], list[Credit]]:
    charges = [Charge(LINE, line.pk, line.due_date, line.amount, line.vat_rate, line.number) for line in inputs.lines]
    charges += [Charge(PENALTY, p.pk, p.accrued_on, p.amount, None) for p in inputs.penalties]
    charges += [Charge(ADJUSTMENT, a.pk, a.date, a.amount, a.vat_rate) for a in inputs.adjustments if a.amount > 0]
    explicit: dict[int, list[tuple[str, int, Decimal]]] = defaultdict(list)
    for allocation in inputs.allocations:
        target = (LINE, allocation.line_id) if allocation.line_id else (PENALTY, allocation.penalty_id)
        explicit[allocation.payment_id].append((*target, allocation.amount))  # type: ignore[arg-type]  # one of the two ids is set (a constraint)
    credits = [
        Credit(PAYMENT, p.pk, p.received_on, p.amount, p.reversed_on, explicit.get(p.pk, [])) for p in inputs.payments
    ]
    credits += [Credit(ADJUSTMENT, a.pk, a.date, -a.amount) for a in inputs.adjustments if a.amount < 0]
    return charges, credits


# ---------------------------------------------------------------------------------------------
# One contract


@dataclass
class DebtLine:
    """One line of the overdue debt: the outstanding of the overdue charges of one VAT rate."""

    rate: Decimal | None  # None: no VAT (penalties)
    amount: Decimal
    vat: Decimal
    is_penalty: bool = False


@dataclass
class BooksCheck:
    """The books' own debt figure against the ledger's, both on the books' date."""

    as_of: date
    books_amount: Decimal
    books_penalty: Decimal
    ledger_amount: Decimal
    ledger_penalty: Decimal

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


@dataclass
class ContractLedger:
    contract: Contract
    today: date
    lines: list[ScheduledPayment]
    penalties: list[Penalty]
    adjustments: list[Adjustment]
    payments: list[PaymentReceived]
    unallocated: Decimal
    charges: list[Charge]
    books: BooksDebt | None = None
    books_check: BooksCheck | None = None

    @property
    def schedule_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def schedule_vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((c.paid for c in self.charges), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((p.amount for p in self.payments if p.reversed_on is None), ZERO)

    @property
    def remaining(self) -> Decimal:
        return sum((c.outstanding for c in self.charges), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((c.outstanding for c in self.charges if c.due < self.today), ZERO)

    @property
    def penalties_outstanding(self) -> Decimal:
        return sum((c.outstanding for c in self.charges if c.kind == PENALTY), ZERO)

    @property
    def next_line(self) -> ScheduledPayment | None:
        return next((p for p in self.lines if p.outstanding > 0 and p.due_date >= self.today), None)

    @property
    def unpaid_lines(self) -> list[ScheduledPayment]:
        return [p for p in self.lines if p.outstanding > 0]

    @property
    def debt_lines(self) -> list[DebtLine]:
        return _debt_lines(c for c in self.charges if c.due < self.today)


def _debt_lines(charges: Iterable[Charge]) -> list[DebtLine]:
    amounts: dict[Decimal | None, Decimal] = defaultdict(Decimal)
    vats: dict[Decimal | None, Decimal] = defaultdict(Decimal)
    penalty_rates: set[Decimal | None] = set()
    for charge in charges:
        if charge.outstanding <= 0:
            continue
        rate = charge.vat_rate
        amounts[rate] += charge.outstanding
        vats[rate] += charge.outstanding_vat
        if charge.kind == PENALTY:
            penalty_rates.add(rate)
    order = sorted(amounts, key=lambda r: (r is None, r or 0))
    return [
        DebtLine(rate=rate, amount=amounts[rate], vat=vats[rate], is_penalty=rate is None and rate in penalty_rates)
        for rate in order
    ]


def _status(line: ScheduledPayment, today: date) -> str:
    if line.outstanding <= 0:
        return "paid"
    return "overdue" if line.due_date < today else "unpaid"


def _apply(inputs: _Inputs, allocated: Allocated, today: date) -> None:
    """Copy the rule's outcome onto the model instances (in memory) so pages and files read them."""
    state = {c.key: c for c in allocated.charges}
    for line in inputs.lines:
        charge = state[(LINE, line.pk)]
        line.paid_amount, line.paid_date, line.is_paid = charge.paid, charge.paid_date, charge.outstanding == 0
        line.status = _status(line, today)
    for penalty in inputs.penalties:
        charge = state[(PENALTY, penalty.pk)]
        penalty.paid_amount, penalty.is_paid = charge.paid, charge.outstanding == 0
        penalty.outstanding = charge.outstanding
    for adjustment in inputs.adjustments:
        found = state.get((ADJUSTMENT, adjustment.pk))
        adjustment.paid_amount = found.paid if found else ZERO
        adjustment.is_paid = found is None or found.outstanding == 0
    splits = allocated.splits
    for payment in inputs.payments:
        payment.splits = splits.get((PAYMENT, payment.pk), [])
        credit = next((c for c in allocated.credits if c.kind == PAYMENT and c.id == payment.pk), None)
        payment.unallocated = credit.unallocated if credit else ZERO


def books_check_of(inputs: _Inputs, books: BooksDebt) -> BooksCheck:
    """The books' figure against the ledger's on the books' date, computed from the whole ledger (what
    `services.ledger_recompute` copies onto the `BooksDebt` row)."""
    charges, credits = _rule_inputs(inputs)
    allocated = allocate(charges, credits, on=books.as_of)
    overdue = [c for c in allocated.charges if c.due < books.as_of]
    return BooksCheck(
        as_of=books.as_of,
        books_amount=books.amount,
        books_penalty=books.penalty,
        ledger_amount=sum((c.outstanding for c in overdue if c.kind != PENALTY), ZERO),
        ledger_penalty=sum((c.outstanding for c in overdue if c.kind == PENALTY), ZERO),
    )


def _books_check(inputs: _Inputs, books: BooksDebt | None) -> BooksCheck | None:
    return books_check_of(inputs, books) if books is not None else None


def _copied_books_check(books: BooksDebt | None) -> BooksCheck | None:
    """The check from the copies on the row; None when there is no row or no copy yet (the caller
    then computes it from the ledger)."""
    if books is None or books.ledger_amount is None or books.ledger_penalty is None:
        return None
    return BooksCheck(
        as_of=books.as_of,
        books_amount=books.amount,
        books_penalty=books.penalty,
        ledger_amount=books.ledger_amount,
        ledger_penalty=books.ledger_penalty,
    )


def _ledger_from(contract: Contract, inputs: _Inputs, books: BooksDebt | None, today: date) -> ContractLedger:
    charges, credits = _rule_inputs(inputs)
    allocated = allocate(charges, credits)
    _apply(inputs, allocated, today)
    return ContractLedger(
        contract=contract,
        today=today,
        lines=inputs.lines,
        penalties=inputs.penalties,
        adjustments=inputs.adjustments,
        payments=inputs.payments,
        unallocated=allocated.unallocated,
        charges=allocated.charges,
        books=books,
        books_check=_books_check(inputs, books),
    )


def contract_ledger(contract: Contract, *, today: date | None = None) -> ContractLedger:
    today = today or timezone.localdate()
    inputs = load(contract.organization_id, [contract.pk])[contract.pk]
    books = BooksDebt.objects.for_org_id(contract.organization_id).filter(contract=contract).first()
    return _ledger_from(contract, inputs, books, today)


def _card_side_query(org_id: int, contract_id: int) -> QuerySet:
    """The card's penalties, adjustments, payments that count and the books' row, in one UNION."""
    money = MoneyField()
    rate_field = DecimalField(max_digits=5, decimal_places=2)
    # Typed NULLs: PostgreSQL resolves an untyped NULL column of a UNION as text.
    none_money, none_rate = Cast(Value(None), output_field=money), Cast(Value(None), output_field=rate_field)
    columns = ("k_kind", "k_id", "k_day", "k_amount", "k_paid", "k_rate", "k_x", "k_y")

    def part(queryset, kind, day, paid, rate=none_rate, x=none_money, y=none_money):
        return (
            queryset.order_by()
            .annotate(
                k_kind=Value(kind),
                k_id=F("pk"),
                k_day=F(day),
                k_amount=F("amount"),
                k_paid=paid,
                k_rate=rate,
                k_x=x,
                k_y=y,
            )
            .values_list(*columns)
        )

    def of(model):
        return model.objects.for_org_id(org_id).filter(contract_id=contract_id)

    return part(of(Penalty), PENALTY, "accrued_on", F("paid_amount")).union(
        part(of(Adjustment), ADJUSTMENT, "date", F("paid_amount"), F("vat_rate")),
        part(of(PaymentReceived).filter(reversed_on__isnull=True), PAYMENT, "received_on", none_money),
        part(of(BooksDebt), "books", "as_of", F("penalty"), x=F("ledger_amount"), y=F("ledger_penalty")),
        all=True,
    )


# Compiled once per thread (the UNION's ORM building cost more than its query, issue 12).
_CARD_SIDE = Prepared(_card_side_query)


def contract_card(contract: Contract, *, today: date | None = None) -> ContractLedger:
    """The contract card's figures from the row copies the ledger service keeps (two queries: the
    schedule, and the penalties, adjustments, payments counted now and the books' row in one union).

    The same `ContractLedger` as `contract_ledger` in every figure (`lines` with their copies and status,
    `remaining`, `overdue`, `paid`, `penalties_outstanding`, `debt_lines`, `next_line`, `unpaid_lines`,
    `unallocated`, `books_check`; the property test compares them after every step), but `payments`
    holds only the payments that count now, without their splits: what a payment paid is
    `contract_ledger`'s (the files and the statement use that one)."""
    today = today or timezone.localdate()
    org_id = contract.organization_id
    lines = list(
        ScheduledPayment.objects.for_org_id(org_id).filter(contract=contract).order_by("due_date", "number", "id")
    )
    side = _CARD_SIDE.rows(org_id=org_id, contract_id=contract.pk)
    penalties, adjustments, payments, books = [], [], [], None
    for kind, pk, day, amount, paid, rate, x, y in side:
        common = {"pk": pk, "organization_id": org_id, "contract_id": contract.pk, "amount": amount}
        if kind == PENALTY:
            penalties.append(Penalty(**common, accrued_on=day, paid_amount=paid, is_paid=amount - paid <= 0))
        elif kind == ADJUSTMENT:
            adjustments.append(
                Adjustment(**common, date=day, vat_rate=rate, paid_amount=paid, is_paid=amount <= 0 or amount <= paid)
            )
        elif kind == PAYMENT:
            payments.append(PaymentReceived(**common, received_on=day))
        else:
            books = BooksDebt(**common, as_of=day, penalty=paid, ledger_amount=x, ledger_penalty=y)
    penalties.sort(key=lambda p: (p.accrued_on, p.pk))
    adjustments.sort(key=lambda a: (a.date, a.pk))
    payments.sort(key=lambda p: (p.received_on, p.pk))
    charges = [
        Charge(LINE, line.pk, line.due_date, line.amount, line.vat_rate, line.number, line.paid_amount, line.paid_date)
        for line in lines
    ]
    charges += [Charge(PENALTY, p.pk, p.accrued_on, p.amount, None, paid=p.paid_amount) for p in penalties]
    charges += [
        Charge(ADJUSTMENT, a.pk, a.date, a.amount, a.vat_rate, paid=a.paid_amount) for a in adjustments if a.amount > 0
    ]
    for line in lines:
        line.status = _status(line, today)
    for penalty in penalties:
        penalty.outstanding = max(penalty.amount - penalty.paid_amount, ZERO)
    credits = sum((p.amount for p in payments), ZERO) - sum((a.amount for a in adjustments if a.amount < 0), ZERO)
    check = _copied_books_check(books)
    if books is not None and check is None:
        check = books_check_of(load(org_id, [contract.pk])[contract.pk], books)
    return ContractLedger(
        contract=contract,
        today=today,
        lines=lines,
        penalties=penalties,
        adjustments=adjustments,
        payments=payments,
        unallocated=credits - sum((c.paid for c in charges), ZERO),
        charges=charges,
        books=books,
        books_check=check,
    )


def contract_debt_lines(contract: Contract, *, today: date | None = None) -> list[DebtLine]:
    return contract_ledger(contract, today=today).debt_lines


# ---------------------------------------------------------------------------------------------
# Lists across contracts (from the row copies)


def _in_section(queryset: QuerySet, creditor, path: str = "contract__product__creditor") -> QuerySet:
    return queryset.filter(**{path: creditor}) if creditor is not None else queryset


def _left_kopecks():
    """What is left to pay on a charge row, from its copies, in kopecks (an integer expression)."""
    return Cast("amount", BigIntegerField()) - Cast("paid_amount", BigIntegerField())


def _vat_kopecks(left, rate):
    """`money.vat_included(left, rate)` in SQL, in whole kopecks: left × R / (10000 + R) rounded half-up,
    R the rate in hundredths of a percent. Split as q·R + (rem·R)/D so no product leaves 64 bits."""
    hundredths = Cast(Round(rate * 100), BigIntegerField())
    divisor = ExpressionWrapper(hundredths + 10000, output_field=BigIntegerField())
    whole = ExpressionWrapper(left / divisor, output_field=BigIntegerField())
    rem = ExpressionWrapper(left - whole * divisor, output_field=BigIntegerField())
    return ExpressionWrapper(
        whole * hundredths + (rem * hundredths * 2 + divisor) / (divisor * 2), output_field=BigIntegerField()
    )


def _overdue_sums_query(org_id: int, creditor_id: int | None, today: date) -> QuerySet:
    """The query of `_overdue_sums` (built once per shape by `_OVERDUE_SUMS`)."""
    money = MoneyField()
    rate_field = DecimalField(max_digits=5, decimal_places=2)
    parts: list[QuerySet] = []
    creditor = {"contract__product__creditor_id": creditor_id} if creditor_id is not None else {}
    for model, due, has_rate, penalty in (
        (ScheduledPayment, "due_date", True, False),
        (Penalty, "accrued_on", False, True),
        (Adjustment, "date", True, False),
    ):
        rows = model.objects.for_org_id(org_id).filter(
            is_paid=False, amount__gt=F("paid_amount"), **{f"{due}__lt": today}, **creditor
        )
        if model is Adjustment:
            rows = rows.filter(amount__gt=0)
        rate = F("vat_rate") if has_rate else Cast(Value(None), output_field=rate_field)
        vat = _vat_kopecks(_left_kopecks(), F("vat_rate")) if has_rate else Value(0, output_field=BigIntegerField())
        parts.append(
            rows.order_by()
            .annotate(k_contract=F("contract_id"), k_rate=rate, k_penalty=Value(penalty, output_field=BooleanField()))
            .values("k_contract", "k_rate", "k_penalty")
            .annotate(
                k_amount=Sum(_left_kopecks(), output_field=money),
                k_vat=Sum(vat, output_field=money),
            )
            .values_list("k_contract", "k_rate", "k_penalty", "k_amount", "k_vat")
        )
    # A contract the books say is in debt is listed even when the ledger says it is not: a zero row.
    books = BooksDebt.objects.for_org_id(org_id).filter(Q(amount__gt=0) | Q(penalty__gt=0), **creditor)
    parts.append(
        books.order_by()
        .annotate(
            k_contract=F("contract_id"),
            k_rate=Cast(Value(None), output_field=rate_field),
            k_penalty=Value(False, output_field=BooleanField()),
            k_amount=Value(0, output_field=money),
            k_vat=Value(0, output_field=money),
        )
        .values_list("k_contract", "k_rate", "k_penalty", "k_amount", "k_vat")
    )
    return parts[0].union(*parts[1:], all=True)


# Building and compiling the UNION above cost ~12 ms a request while PostgreSQL answers it in under one
# (issue 12): it is compiled once per thread and shape, and run with the request's values.
_OVERDUE_SUMS = Prepared(_overdue_sums_query, dates=("today",))


def _overdue_sums(org, creditor, today: date) -> list[tuple[int, Decimal | None, bool, Decimal, Decimal]]:
    """The overdue debt from the row copies, summed in the database (one query, whatever the number
    of contracts and lines): (contract id, VAT rate, penalties?, Σ outstanding, Σ VAT of each charge's
    outstanding) per contract and rate, for every charge due before `today` with something left; and a
    zero row for every contract with a positive debt by the books (listed even when the ledger has none)."""
    rows = _OVERDUE_SUMS.rows(org_id=org.pk, creditor_id=creditor.pk if creditor is not None else None, today=today)
    return [
        (contract_id, rate, bool(penalty), amount or ZERO, vat or ZERO)
        for contract_id, rate, penalty, amount, vat in rows
    ]


def _summed_debt_lines(sums: Iterable[tuple[Decimal | None, bool, Decimal, Decimal]]) -> list[DebtLine]:
    """`_debt_lines` from sums per (rate, penalties?) instead of charges (the same lines)."""
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


@dataclass
class ContractDebt:
    contract: Contract
    amount: Decimal
    lines: list[DebtLine]
    books: BooksDebt | None = None
    books_check: BooksCheck | None = None

    @property
    def contract_id(self) -> int:
        return self.contract.pk


@dataclass
class DebtSummary:
    total: Decimal
    as_of: date | None
    rows: list[ContractDebt]
    # Contracts where the books report a debt the ledger does not have (shown, never hidden).
    books_only: list[ContractDebt] = field(default_factory=list)
    # Every contract listed (in debt by the ledger or by the books), whatever the page shows.
    count: int = 0
    # The cursor of the next page ("" at the end, and always "" without `limit`).
    next_cursor: str = ""

    @property
    def has_differences(self) -> bool:
        """Over the rows of this page (all of them without `limit`)."""
        return any(r.books_check and not r.books_check.agrees for r in [*self.rows, *self.books_only])


def _debt_cursor(amount: Decimal, pk: int) -> str:
    return f"{amount}_{pk}"


def _parse_debt_cursor(after: str) -> tuple[Decimal, int] | None:
    try:
        amount, pk = after.split("_", 1)
        value = Decimal(amount)
        return (value, int(pk)) if value.is_finite() else None
    except (ArithmeticError, ValueError, TypeError):
        return None


def org_debt(
    org, creditor=None, *, today: date | None = None, after: str = "", limit: int | None = None
) -> DebtSummary:
    """Two queries whatever the size of the organization (one without any debt): the sums from the copies
    (`_overdue_sums`) and the contracts of the page (in debt by the ledger or by the books) with the books'
    row. A books' row without its copy yet (written around the services) is checked on the ledger.

    Order: the largest debt first, then by contract id (the books-only contracts, with no debt by the
    ledger, last); the order is known from the sums alone, so paging needs no more queries. With `limit`,
    the page holds at most `limit` contracts after the keyset cursor `after` ("<amount>_<contract id>" of
    the last row shown, `next_cursor` of the previous page): walking the pages never repeats or skips a
    contract. `total` and `count` are always over every contract in debt."""
    today = today or timezone.localdate()
    by_contract: dict[int, list[tuple[Decimal | None, bool, Decimal, Decimal]]] = defaultdict(list)
    for contract_id, rate, penalty, amount, vat in _overdue_sums(org, creditor, today):
        by_contract[contract_id].append((rate, penalty, amount, vat))
    if not by_contract:
        return DebtSummary(total=ZERO, as_of=None, rows=[])
    lines_of = {pk: _summed_debt_lines(sums) for pk, sums in by_contract.items()}
    amount_of = {pk: sum((line.amount for line in lines), ZERO) for pk, lines in lines_of.items()}
    total = sum(amount_of.values(), ZERO)
    order = sorted(amount_of, key=lambda pk: (-amount_of[pk], pk))
    position = _parse_debt_cursor(after) if after else None
    if position:
        key = (-position[0], position[1])
        order = [pk for pk in order if (-amount_of[pk], pk) > key]
    next_cursor = ""
    if limit is not None:
        if len(order) > limit:
            last = order[limit - 1] if limit > 0 else None
            next_cursor = _debt_cursor(amount_of[last], last) if last is not None else ""
        order = order[: max(limit, 0)]
    fetched = (
        {
            c.pk: c
            for c in _in_section(Contract.objects.for_org(org), creditor, "product__creditor")
            .select_related("product__creditor")
            .annotate(
                b_id=F("debts__id"),
                b_amount=F("debts__amount"),
                b_penalty=F("debts__penalty"),
                b_as_of=F("debts__as_of"),
                b_ledger_amount=F("debts__ledger_amount"),
                b_ledger_penalty=F("debts__ledger_penalty"),
            )
            .filter(pk__in=order)
            .order_by()
        }
        if order
        else {}
    )
    contracts = [fetched[pk] for pk in order if pk in fetched]
    books = {}
    for c in contracts:
        if c.b_id is not None and (c.b_amount > 0 or c.b_penalty > 0):
            books[c.pk] = BooksDebt(
                pk=c.b_id,
                organization_id=c.organization_id,
                contract_id=c.pk,
                amount=c.b_amount,
                penalty=c.b_penalty,
                as_of=c.b_as_of,
                ledger_amount=c.b_ledger_amount,
                ledger_penalty=c.b_ledger_penalty,
            )
    # Rows written around the services have no copy yet: those (only) are computed from the ledger.
    uncopied = [pk for pk, book in books.items() if _copied_books_check(book) is None]
    inputs = load(org.pk, uncopied) if uncopied else {}
    rows: list[ContractDebt] = []
    books_only: list[ContractDebt] = []
    for contract in contracts:
        lines = lines_of[contract.pk]
        book = books.get(contract.pk)
        row = ContractDebt(
            contract=contract,
            amount=amount_of[contract.pk],
            lines=lines,
            books=book,
            books_check=(_copied_books_check(book) or books_check_of(inputs[contract.pk], book)) if book else None,
        )
        (rows if lines else books_only).append(row)
    return DebtSummary(
        total=total, as_of=today, rows=rows, books_only=books_only, count=len(amount_of), next_cursor=next_cursor
    )


@dataclass
class CalendarPage:
    rows: list[ScheduledPayment]
    next_cursor: str


def _cursor(line: ScheduledPayment) -> str:
    return f"{line.due_date.isoformat()}_{line.pk}"


def _parse_cursor(after: str) -> tuple[date, int] | None:
    try:
        day, pk = after.split("_", 1)
        return date.fromisoformat(day), int(pk)
    except (ValueError, TypeError):
        return None


def calendar_page(org, creditor=None, *, after: str = "", limit: int = 10, today: date | None = None) -> CalendarPage:
    today = today or timezone.localdate()
    lines = _in_section(ScheduledPayment.objects.for_org(org), creditor).filter(is_paid=False, due_date__gte=today)
    position = _parse_cursor(after) if after else None
    if position:
        day, pk = position
        lines = lines.filter(Q(due_date__gt=day) | Q(due_date=day, pk__gt=pk))
    rows = list(lines.select_related("contract").order_by("due_date", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return CalendarPage(rows=rows, next_cursor=_cursor(rows[-1]) if more and rows else "")


def payment_line(org, line_id: int) -> ScheduledPayment | None:
    line = ScheduledPayment.objects.for_org(org).select_related("contract").filter(pk=line_id).first()
    if line is None:
        return None
    ledger = contract_ledger(line.contract)
    return next((p for p in ledger.lines if p.pk == line.pk), None)


def with_next_payment(org, contracts: list[Contract], *, today: date | None = None) -> list[Contract]:
    """One query for the page, whatever its size (computing it in the list query would make the database
    evaluate it for every row before OFFSET: measured 590 ms at page 50 of 5,000)."""
    if not contracts:
        return contracts
    today = today or timezone.localdate()
    next_payment = (
        ScheduledPayment.objects.for_org(org)
        .filter(contract=OuterRef("pk"), is_paid=False, due_date__gte=today)
        .order_by("due_date", "number")
    )
    found = {
        row["pk"]: row
        for row in Contract.objects.for_org(org)
        .filter(pk__in=[c.pk for c in contracts])
        .annotate(
            next_line_due=Subquery(next_payment.values("due_date")[:1]),
            next_line_amount=Subquery(next_payment.values("amount")[:1]),
            next_line_paid=Subquery(next_payment.values("paid_amount")[:1]),
        )
        .values("pk", "next_line_due", "next_line_amount", "next_line_paid")
    }
    for contract in contracts:
        row: Mapping[str, Any] = found.get(contract.pk, {})
        contract.next_due_date = row.get("next_line_due")
        amount, paid = row.get("next_line_amount"), row.get("next_line_paid")
        contract.next_amount = amount - (paid or ZERO) if amount is not None else None
    return contracts


def lines_due_on(day: date) -> list[ScheduledPayment]:
    return list(
        ScheduledPayment.objects.filter(is_paid=False, due_date=day)
        .select_related("contract")
        .order_by("organization_id", "contract__number", "number")
    )


def has_unpaid_lines(contract: Contract) -> bool:
    return (
        ScheduledPayment.objects.for_org_id(contract.organization_id).filter(contract=contract, is_paid=False).exists()
    )


# ---------------------------------------------------------------------------------------------
# Reconciliation statement


@dataclass
class StatementEntry:
    date: date
    kind: str  # "charge", "penalty", "adjustment", "payment", "reversal"
    contract: Contract
    description: str
    document: str
    debit: Decimal
    credit: Decimal


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


def _entries(contract: Contract, inputs: _Inputs) -> list[StatementEntry]:
    out = []
    for line in inputs.lines:
        out.append(
            StatementEntry(
                line.due_date,
                "charge",
                contract,
                _("Leasing payment No. %(n)s under contract No. %(contract)s")
                % {"n": line.number, "contract": contract.number},
                "",
                line.amount,
                ZERO,
            )
        )
    for penalty in inputs.penalties:
        text = _("Penalty under contract No. %(contract)s") % {"contract": contract.number}
        out.append(
            StatementEntry(
                penalty.accrued_on,
                "penalty",
                contract,
                f"{text}: {penalty.basis}" if penalty.basis else text,
                "",
                penalty.amount,
                ZERO,
            )
        )
    for adjustment in inputs.adjustments:
        text = _("Adjustment under contract No. %(contract)s") % {"contract": contract.number}
        out.append(
            StatementEntry(
                adjustment.date,
                "adjustment",
                contract,
                f"{text}: {adjustment.reason}" if adjustment.reason else text,
                adjustment.document_number,
                max(adjustment.amount, ZERO),
                max(-adjustment.amount, ZERO),
            )
        )
    for payment in inputs.payments:
        out.append(
            StatementEntry(
                payment.received_on,
                "payment",
                contract,
                _("Payment under contract No. %(contract)s") % {"contract": contract.number},
                payment.document_number,
                ZERO,
                payment.amount,
            )
        )
        if payment.reversed_on:
            out.append(
                StatementEntry(
                    payment.reversed_on,
                    "reversal",
                    contract,
                    _("Reversal of the payment under contract No. %(contract)s") % {"contract": contract.number},
                    payment.reversal_document or payment.document_number,
                    payment.amount,
                    ZERO,
                )
            )
    return out


def statement(org, *, start: date, end: date, contract: Contract | None = None, creditor=None) -> Statement:
    if contract is not None:
        contracts = [contract]
    else:
        contracts = list(_in_section(Contract.objects.for_org(org), creditor, "product__creditor").order_by("number"))
    inputs = load(org.pk, [c.pk for c in contracts])
    entries: list[StatementEntry] = []
    for c in contracts:
        entries += _entries(c, inputs[c.pk])
    opening = sum((e.debit - e.credit for e in entries if e.date < start), ZERO)
    kind_order = {"charge": 0, "penalty": 1, "adjustment": 2, "payment": 3, "reversal": 4}
    period = sorted(
        (e for e in entries if start <= e.date <= end),
        key=lambda e: (e.date, e.contract.number, kind_order[e.kind]),
    )
    return Statement(start=start, end=end, contract=contract, opening=opening, entries=period)


# ---------------------------------------------------------------------------------------------
# Early buyout and the calendar file


@dataclass
class BuyoutQuote:
    day: date
    value_date: date
    amount: Decimal
    first: date
    last: date


def buyout_quote(contract: Contract, day: date) -> BuyoutQuote | None:
    values = list(
        BuyoutValue.objects.for_org_id(contract.organization_id).filter(contract=contract).order_by("on_date")
    )
    if not values:
        return None
    chosen = values[0]
    for value in values:
        if value.on_date <= day:
            chosen = value
    return BuyoutQuote(
        day=day, value_date=chosen.on_date, amount=chosen.amount, first=values[0].on_date, last=values[-1].on_date
    )


def has_buyout(contract: Contract) -> bool:
    return BuyoutValue.objects.for_org_id(contract.organization_id).filter(contract=contract).exists()


def ics_uid(contract: Contract, line: ScheduledPayment) -> str:
    return f"{contract.external_id or contract.pk}-{line.number}@{settings.PORTAL_HOST}"


def contracts_with_unpaid(org) -> QuerySet:
    lines = ScheduledPayment.objects.for_org(org).filter(contract=OuterRef("pk"), is_paid=False)
    return Contract.objects.for_org(org).filter(Exists(lines))


# ---------------------------------------------------------------------------------------------
# Issued invoices: is what they asked for still due? (batch reads for a page of invoices)


def lines_outstanding(org, line_ids: list[int]) -> dict[int, Decimal]:
    """What is still due on each of these schedule lines; a line the books removed is absent. One query."""
    rows = ScheduledPayment.objects.for_org(org).filter(pk__in=line_ids).values_list("pk", "amount", "paid_amount")
    return {pk: max(amount - paid, ZERO) for pk, amount, paid in rows}


def contracts_overdue(org, contract_ids: list[int], *, today: date | None = None) -> dict[int, Decimal]:
    """«Просрочено» of each of these contracts (Σ outstanding of every charge due before today), as
    `ContractLedger.overdue` computes it, from the row copies. Three queries."""
    today = today or timezone.localdate()
    out = dict.fromkeys(contract_ids, ZERO)
    for model, due in ((ScheduledPayment, "due_date"), (Penalty, "accrued_on"), (Adjustment, "date")):
        rows = model.objects.for_org(org).filter(contract_id__in=contract_ids, is_paid=False, **{f"{due}__lt": today})
        if model is Adjustment:
            rows = rows.filter(amount__gt=0)
        for contract_id, amount, paid in rows.values_list("contract_id", "amount", "paid_amount"):
            out[contract_id] += max(amount - paid, ZERO)
    return out


def unpaid_lines(org) -> QuerySet:
    """Every unpaid schedule line of the organization, overdue ones included, by due date, with its
    contract (from the row copies: `outstanding` per line): the calendar subscription feed."""
    return (
        ScheduledPayment.objects.for_org(org)
        .filter(is_paid=False)
        .select_related("contract")
        .order_by("due_date", "contract__number", "number", "id")
    )
