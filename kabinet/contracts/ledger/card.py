"""One contract's money: `contract_ledger` runs `allocate()` over the whole ledger (the files, the
statement, invoices); `contract_card` reads the same outcome from the row copies `allocate()` wrote
(two queries, the contract card). Both build the one `ContractLedger` through the same code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from kabinet.contracts.ledger.books import (
    BooksCheck,
    BooksFigure,
    books_check_of,
    books_figure,
    books_parts_of,
    copied_books_check,
    due_between,
)
from kabinet.contracts.ledger.copies import apply_outcome
from kabinet.contracts.ledger.loading import Inputs, load, rule_inputs
from kabinet.contracts.ledger.rule import (
    ADJUSTMENT,
    LINE,
    PAYMENT,
    PENALTY,
    ZERO,
    Allocated,
    Charge,
    DebtLine,
    allocate,
    charge_debt_lines,
)
from kabinet.contracts.models import (
    Adjustment,
    BooksDebt,
    Contract,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.core.money import MoneyField
from kabinet.core.prepared import Prepared


@dataclass(frozen=True)
class DebtItem:
    """One line of «Счёт на оплату задолженности»: the overdue schedule of one VAT rate (`kind` LINE), or
    one penalty or one positive adjustment on its own with the books' basis."""

    kind: str  # LINE, PENALTY, ADJUSTMENT or BOOKS (the books' residual of a rate)
    id: int  # the penalty's or adjustment's id; 0 for the schedule of a rate and the books' residual
    rate: Decimal | None
    amount: Decimal
    vat: Decimal
    basis: str = ""
    on: date | None = None  # BOOKS: the books' date


BOOKS = "books"


def _adjustment_basis(adjustment: Adjustment) -> str:
    parts = [adjustment.reason.strip(), adjustment.document_number.strip()]
    return ", ".join(p for p in parts if p)


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
    # The books' figure rolled forward to today (docs/ledger-rules.md, B1): the contract's debt.
    books_figure: BooksFigure | None = None

    @property
    def debt(self) -> Decimal:
        """The contract's debt today: the books' figure rolled forward, else the portal's overdue."""
        return self.books_figure.headline if self.books_figure is not None else self.overdue

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
        """«Осталось оплатить»: what is left of every charge."""
        return sum((c.outstanding for c in self.charges), ZERO)

    @property
    def overdue(self) -> Decimal:
        """«Просрочено»: what is left of the charges due before today."""
        return sum((c.outstanding for c in self.charges if c.due < self.today), ZERO)

    @property
    def penalties_outstanding(self) -> Decimal:
        return sum((c.outstanding for c in self.charges if c.kind == PENALTY), ZERO)

    @property
    def next_line(self) -> ScheduledPayment | None:
        """The soonest unpaid line due today or later."""
        return next((p for p in self.lines if p.outstanding > 0 and p.due_date >= self.today), None)

    @property
    def unpaid_lines(self) -> list[ScheduledPayment]:
        return [p for p in self.lines if p.outstanding > 0]

    @property
    def debt_lines(self) -> list[DebtLine]:
        """The overdue debt one line per VAT rate: what «Счёт на оплату задолженности» asks for."""
        return charge_debt_lines(c for c in self.charges if c.due < self.today)

    @property
    def debt_items(self) -> list[DebtItem]:
        """The same overdue debt as `debt_lines`, as the debt invoice lists it: the schedule one line per
        VAT rate, then each penalty and each adjustment on its own line with the books' basis (the same
        total and the same VAT per rate)."""
        overdue = [c for c in self.charges if c.due < self.today and c.outstanding > 0]
        items = [
            DebtItem(LINE, 0, line.rate, line.amount, line.vat)
            for line in charge_debt_lines(c for c in overdue if c.kind == LINE)
        ]
        penalties = {p.pk: p for p in self.penalties}
        adjustments = {a.pk: a for a in self.adjustments}
        for charge in overdue:
            if charge.kind == PENALTY:
                basis = getattr(penalties.get(charge.id), "basis", "") or ""
                items.append(DebtItem(PENALTY, charge.id, None, charge.outstanding, ZERO, basis.strip()))
            elif charge.kind == ADJUSTMENT:
                adjustment = adjustments.get(charge.id)
                basis = _adjustment_basis(adjustment) if adjustment is not None else ""
                items.append(
                    DebtItem(ADJUSTMENT, charge.id, charge.vat_rate, charge.outstanding, charge.outstanding_vat, basis)
                )
        if self.books_figure is not None:  # B5: the residual the portal cannot break down, per rate
            on = self.books_figure.as_of
            items += [DebtItem(BOOKS, 0, r.rate, r.amount, r.vat, on=on) for r in self.books_figure.residual_lines]
        return items


def _status(line: ScheduledPayment, today: date) -> str:
    if line.outstanding <= 0:
        return "paid"
    return "overdue" if line.due_date < today else "unpaid"


def schedule_lines_after(org, *, after: int = 0, limit: int = 100, today: date | None = None) -> list[ScheduledPayment]:
    """The organization's schedule lines by id after `after` (an id cursor, every creditor), each with
    `status` (paid, overdue, unpaid) and what is paid and left of it from the ledger's copies, as the
    contract's card shows them. One query whatever the page."""
    today = today or timezone.localdate()
    lines = list(
        ScheduledPayment.objects.for_org(org)
        .filter(pk__gt=after)
        .select_related("contract__product__creditor")
        .order_by("pk")[:limit]
    )
    for line in lines:
        line.status = _status(line, today)
    return lines


def _apply_charges(inputs: Inputs, charges: list[Charge], today: date) -> None:
    """Copy what each charge was paid onto the model instances (in memory) so pages and files read them."""
    apply_outcome(inputs, charges)
    for line in inputs.lines:
        line.status = _status(line, today)
    for penalty in inputs.penalties:
        penalty.outstanding = max(penalty.amount - penalty.paid_amount, ZERO)


def _apply_credits(inputs: Inputs, allocated: Allocated) -> None:
    """How each payment was split, and what is left of it."""
    left = {c.id: c.unallocated for c in allocated.credits if c.kind == PAYMENT}
    for payment in inputs.payments:
        payment.splits = allocated.splits.get((PAYMENT, payment.pk), [])
        payment.unallocated = left.get(payment.pk, ZERO)


def contract_ledger(contract: Contract, *, today: date | None = None) -> ContractLedger:
    """Everything about one contract's money from the whole ledger (5 queries): every payment, with
    its splits."""
    today = today or timezone.localdate()
    inputs = load(contract.organization_id, [contract.pk])[contract.pk]
    books = BooksDebt.objects.for_org_id(contract.organization_id).filter(contract=contract).first()
    charges, credits = rule_inputs(inputs)
    allocated = allocate(charges, credits)
    _apply_charges(inputs, allocated.charges, today)
    _apply_credits(inputs, allocated)
    check = books_check_of(inputs, books) if books is not None else None
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
        books_check=check,
        books_figure=_figure(
            check, allocated.charges, today, per_rate=books_parts_of(inputs, books) if books is not None else None
        ),
    )


def _figure(check: BooksCheck | None, charges: list[Charge], today: date, per_rate=None) -> BooksFigure | None:
    """The books' figure rolled forward from the contract's charges (`books.books_figure`)."""
    if check is None:
        return None
    overdue = sum((c.outstanding for c in charges if c.due < today), ZERO)
    due_since = due_between(charges, check.as_of, today)
    return books_figure(check, overdue=overdue, due_since=due_since, today=today, per_rate=per_rate)


def _card_side_query(org_id: int, contract_id: int) -> QuerySet:
    """The card's penalties, adjustments, payments that count and the books' row, in one UNION."""
    money = MoneyField()
    rate_field = DecimalField(max_digits=5, decimal_places=2)
    # Typed NULLs: PostgreSQL resolves an untyped NULL column of a UNION as text.
    none_money, none_rate = Cast(Value(None), output_field=money), Cast(Value(None), output_field=rate_field)
    columns = ("k_kind", "k_id", "k_day", "k_amount", "k_paid", "k_rate", "k_x", "k_y", "k_z", "k_w")

    def part(queryset, kind, day, paid, rate=none_rate, x=none_money, y=none_money, z=none_money, w=none_money):
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
                k_z=z,
                k_w=w,
            )
            .values_list(*columns)
        )

    def of(model):
        return model.objects.for_org_id(org_id).filter(contract_id=contract_id)

    penalties = of(Penalty).filter(written_off_on__isnull=True)  # written off: no longer owed
    return part(penalties, PENALTY, "accrued_on", F("paid_amount")).union(
        # Removed by the books: no longer counted.
        part(of(Adjustment).filter(removed_on__isnull=True), ADJUSTMENT, "date", F("paid_amount"), F("vat_rate")),
        part(of(PaymentReceived).filter(reversed_on__isnull=True), PAYMENT, "received_on", none_money),
        part(
            of(BooksDebt),
            "books",
            "as_of",
            F("penalty"),
            x=F("ledger_amount"),
            y=F("ledger_penalty"),
            z=F("ledger_advance"),
            w=F("ledger_balance"),
        ),
        all=True,
    )


# Compiled once per thread: building the UNION in the ORM cost more than running it.
_CARD_SIDE = Prepared(_card_side_query)


# What the card, its figures and its invoice button read of a schedule line (the rest is deferred).
CARD_LINE_FIELDS = (
    "id",
    "organization_id",
    "contract_id",
    "number",
    "due_date",
    "amount",
    "vat_rate",
    "paid_amount",
    "paid_date",
    "is_paid",
)


def _card_lines_query(org_id: int, contract_id: int) -> QuerySet[ScheduledPayment]:
    return (
        ScheduledPayment.objects.for_org_id(org_id)
        .filter(contract_id=contract_id)
        .only(*CARD_LINE_FIELDS)
        .order_by("due_date", "number", "id")
    )


_CARD_LINES = Prepared(_card_lines_query)


def _card_inputs(contract: Contract) -> tuple[Inputs, BooksDebt | None]:
    """The rows with their copies: the schedule, and the rest in one union."""
    org_id = contract.organization_id
    inputs = Inputs(lines=_CARD_LINES.objects(org_id=org_id, contract_id=contract.pk))
    books = None
    for kind, pk, day, amount, paid, rate, x, y, z, w in _CARD_SIDE.rows(org_id=org_id, contract_id=contract.pk):
        common = {"pk": pk, "organization_id": org_id, "contract_id": contract.pk, "amount": amount}
        if kind == PENALTY:
            inputs.penalties.append(Penalty(**common, accrued_on=day, paid_amount=paid))
        elif kind == ADJUSTMENT:
            inputs.adjustments.append(Adjustment(**common, date=day, vat_rate=rate, paid_amount=paid))
        elif kind == PAYMENT:
            inputs.payments.append(PaymentReceived(**common, received_on=day))
        else:
            books = BooksDebt(
                **common, as_of=day, penalty=paid, ledger_amount=x, ledger_penalty=y, ledger_advance=z, ledger_balance=w
            )
    inputs.penalties.sort(key=lambda p: (p.accrued_on, p.pk))
    inputs.adjustments.sort(key=lambda a: (a.date, a.pk))
    inputs.payments.sort(key=lambda p: (p.received_on, p.pk))
    return inputs, books


def contract_card(contract: Contract, *, today: date | None = None) -> ContractLedger:
    """The contract card: `allocate()`'s outcome as `ledger_recompute` copied it onto the rows, in two
    queries. The same `ContractLedger` as `contract_ledger` in every figure (the property test compares
    them after every step), but `payments` holds only the payments that count now, without their
    splits: what a payment paid is `contract_ledger`'s (the files and the statement use that one)."""
    today = today or timezone.localdate()
    inputs, books = _card_inputs(contract)
    charges, credits = rule_inputs(inputs)  # each charge paid as its copy says
    _apply_charges(inputs, charges, today)
    # What allocate() did not spend of the credits that count: every kopeck of them either paid a
    # charge or is left over, so the leftover is their sum less what the charges were paid.
    counted = sum((c.amount for c in credits if c.counts_on(None)), ZERO)
    check = copied_books_check(books)
    if books is not None and check is None:
        check = books_check_of(load(contract.organization_id, [contract.pk])[contract.pk], books)
    return ContractLedger(
        contract=contract,
        today=today,
        lines=inputs.lines,
        penalties=inputs.penalties,
        adjustments=inputs.adjustments,
        payments=inputs.payments,
        unallocated=counted - sum((c.paid for c in charges), ZERO),
        charges=charges,
        books=books,
        books_check=check,
        books_figure=_figure(check, charges, today),
    )


def contract_debt_lines(contract: Contract, *, today: date | None = None) -> list[DebtLine]:
    return contract_ledger(contract, today=today).debt_lines


def contract_debt_items(contract: Contract, *, today: date | None = None) -> list[DebtItem]:
    return contract_ledger(contract, today=today).debt_items


def payment_line(org, line_id: int) -> ScheduledPayment | None:
    """One schedule line of the organization with its ledger state (for «Счёт на оплату»); None if absent."""
    line = ScheduledPayment.objects.for_org(org).select_related("contract").filter(pk=line_id).first()
    if line is None:
        return None
    ledger = contract_ledger(line.contract)
    return next((p for p in ledger.lines if p.pk == line.pk), None)
