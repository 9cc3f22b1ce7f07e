"""The main page's «Просроченная задолженность» (`org_debt`) and the overdue figure of a few contracts
(`contracts_overdue`), summed by the database from the row copies `allocate()` wrote."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from kabinet.contracts.ledger.books import BooksCheck, BooksFigure, books_check_of, books_figure, copied_books_check
from kabinet.contracts.ledger.loading import in_section, load
from kabinet.contracts.ledger.rule import ZERO, DebtLine, debt_lines
from kabinet.contracts.models import (
    Adjustment,
    BooksDebt,
    Contract,
    DebtRow,
    DebtTotal,
    Penalty,
    ScheduledPayment,
)
from kabinet.core.money import MoneyField, vat_included_sql
from kabinet.core.prepared import Prepared

# The charges' tables: (model, due date field, has a VAT rate, penalties?, the field set when the books
# took the row back — written off, removed — after which it is charged no more).
_CHARGE_TABLES = (
    (ScheduledPayment, "due_date", True, False, None),
    (Penalty, "accrued_on", False, True, "written_off_on"),
    (Adjustment, "date", True, False, "removed_on"),
)


def _counting(gone: str | None) -> dict:
    """The filter of the rows still charged (not written off, not removed)."""
    return {f"{gone}__isnull": True} if gone else {}


def _left_kopecks():
    """What is left to pay on a charge row, from its copies, in kopecks (an integer expression)."""
    return Cast("amount", BigIntegerField()) - Cast("paid_amount", BigIntegerField())


# The tags of the sums' rows: the overdue debt per rate; a books' row (its figure and copies); Σ of the
# charges falling due since the books' date.
_DEBT, _BOOKS, _DUE_SINCE = 0, 1, 2


def _overdue_sums_query(org_id: int, creditor_id: int | None, today: date, contract_ids: list[int] | None) -> QuerySet:
    """The query of `_overdue_sums` (of these contracts only, when given)."""
    money = MoneyField()
    rate_field = DecimalField(max_digits=5, decimal_places=2)
    none_money = Cast(Value(None), output_field=money)
    none_rate = Cast(Value(None), output_field=rate_field)
    none_date = Cast(Value(None), output_field=DateField())
    parts: list[QuerySet] = []
    creditor: dict = {"contract__product__creditor_id": creditor_id} if creditor_id is not None else {}
    if contract_ids is not None:
        creditor["contract_id__in"] = contract_ids
    columns = ("k_contract", "k_tag", "k_rate", "k_penalty", "k_amount", "k_vat", "k_x", "k_y", "k_day")
    for model, due, has_rate, penalty, gone in _CHARGE_TABLES:
        rows = model.objects.for_org_id(org_id).filter(
            is_paid=False, amount__gt=F("paid_amount"), **{f"{due}__lt": today}, **creditor, **_counting(gone)
        )
        if model is Adjustment:
            rows = rows.filter(amount__gt=0)
        rate = F("vat_rate") if has_rate else none_rate
        # The VAT of the remainder: the charge's VAT − the VAT of what was paid (`money.vat_of_remainder`).
        vat = (
            vat_included_sql(Cast("amount", BigIntegerField()), F("vat_rate"))
            - vat_included_sql(Cast("paid_amount", BigIntegerField()), F("vat_rate"))
            if has_rate
            else Value(0, output_field=BigIntegerField())
        )
        parts.append(
            rows.order_by()
            .annotate(
                k_contract=F("contract_id"),
                k_tag=Value(_DEBT),
                k_rate=rate,
                k_penalty=Value(penalty, output_field=BooleanField()),
            )
            .values("k_contract", "k_tag", "k_rate", "k_penalty")
            .annotate(
                k_amount=Sum(_left_kopecks(), output_field=money),
                k_vat=Sum(vat, output_field=money),
                k_x=none_money,
                k_y=none_money,
                k_day=none_date,
            )
            .values_list(*columns)
        )
        # Σ of the charges falling due on the books' date or later and before today (B2, B7).
        # (The books' rows of this organization only: the planner then looks the few contracts' lines up.)
        window = {f"{due}__gte": F("contract__debts__as_of"), f"{due}__lt": today}
        # As `due_between` over the charges counting now: written off or removed, not charged.
        since = model.objects.for_org_id(org_id).filter(
            contract__debts__organization_id=org_id, **window, **creditor, **_counting(gone)
        )
        if model is Adjustment:
            since = since.filter(amount__gt=0)
        parts.append(
            since.order_by()
            .annotate(k_contract=F("contract_id"), k_tag=Value(_DUE_SINCE))
            .values("k_contract", "k_tag")
            .annotate(
                k_rate=none_rate,
                k_penalty=Value(False, output_field=BooleanField()),
                k_amount=Sum("amount", output_field=money),
                k_vat=none_money,
                k_x=none_money,
                k_y=none_money,
                k_day=none_date,
            )
            .values_list(*columns)
        )
    # Every books' row: its figure (amount + penalty), the ledger's on its date, and the copies B2 needs.
    parts.append(
        BooksDebt.objects.for_org_id(org_id)
        .filter(**creditor)
        .order_by()
        .annotate(
            k_contract=F("contract_id"),
            k_tag=Value(_BOOKS),
            k_rate=none_rate,
            k_penalty=Value(False, output_field=BooleanField()),
            k_amount=ExpressionWrapper(F("amount") + F("penalty"), output_field=money),
            k_vat=ExpressionWrapper(F("ledger_amount") + F("ledger_penalty"), output_field=money),
            k_x=F("ledger_advance"),
            k_y=F("ledger_balance"),
            k_day=F("as_of"),
        )
        .values_list(*columns)
    )
    return parts[0].union(*parts[1:], all=True)


@dataclass
class _Sums:
    """One contract's rows of `_overdue_sums`."""

    debt: list[tuple[Decimal | None, bool, Decimal, Decimal]] = field(default_factory=list)
    due_since: Decimal = ZERO
    books: tuple | None = None  # (total, ledger total, advance, balance, as_of); copies may be None


def _overdue_sums(org_id: int, creditor, today: date, contract_ids: list[int] | None = None) -> dict[int, _Sums]:
    """The overdue debt from the row copies, summed in the database (one query, whatever the number
    of contracts and lines): (VAT rate, penalties?, Σ outstanding, Σ VAT of each charge's outstanding)
    per contract and rate, for every charge due before `today` with something left; and for every
    contract with a books' row, that row's figure and copies and Σ of its charges falling due since."""
    out: dict[int, _Sums] = defaultdict(_Sums)
    creditor_id = creditor.pk if creditor is not None else None
    rows = _overdue_sums_query(org_id, creditor_id, today, contract_ids)
    for contract_id, tag, rate, penalty, amount, vat, x, y, day in rows:
        sums = out[contract_id]
        if tag == _DEBT:
            sums.debt.append((rate, bool(penalty), amount or ZERO, vat or ZERO))
        elif tag == _DUE_SINCE:
            sums.due_since += amount or ZERO
        else:
            sums.books = (amount, vat, x, y, day)
    return out


@dataclass
class ContractDebt:
    contract: Contract
    amount: Decimal  # the contract's debt today: the books' figure rolled forward, else the portal's overdue
    lines: list[DebtLine]  # the portal's own overdue debt, one line per VAT rate
    books: BooksDebt | None = None
    books_check: BooksCheck | None = None
    books_figure: BooksFigure | None = None

    @property
    def contract_id(self) -> int:
        return self.contract.pk

    @property
    def portal(self) -> Decimal:
        """The portal's own overdue (its breakdown)."""
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class DebtSummary:
    total: Decimal
    as_of: date | None
    # The contracts in debt today (by the books' figure rolled forward where there is one), largest first.
    rows: list[ContractDebt]
    # Every contract listed, whatever the page shows: «Договоров с просрочкой».
    count: int = 0
    # The cursor of the next page ("" at the end, and always "" without `limit`).
    next_cursor: str = ""

    @property
    def books_only(self) -> list[ContractDebt]:
        """The rows of this page in debt by the books only (the portal's own overdue is 0,00)."""
        return [r for r in self.rows if not r.lines]

    @property
    def has_differences(self) -> bool:
        """Over the rows of this page (all of them without `limit`)."""
        return any(r.books_check and not r.books_check.agrees for r in self.rows)


def _debt_cursor(amount: Decimal, pk: int) -> str:
    return f"{amount}_{pk}"


def _parse_debt_cursor(after: str) -> tuple[Decimal, int] | None:
    try:
        amount, pk = after.split("_", 1)
        value = Decimal(amount)
        return (value, int(pk)) if value.is_finite() else None
    except (ArithmeticError, ValueError, TypeError):
        return None


def _page(amount_of: dict[int, Decimal], after: str, limit: int | None) -> tuple[list[int], str]:
    """The contracts of the page, largest debt first, then by id, and the next page's cursor ("" at the end)."""
    order = sorted(amount_of, key=lambda pk: (-amount_of[pk], pk))
    position = _parse_debt_cursor(after) if after else None
    if position:
        key = (-position[0], position[1])
        order = [pk for pk in order if (-amount_of[pk], pk) > key]
    if limit is None:
        return order, ""
    next_cursor = ""
    if len(order) > limit > 0:
        last = order[limit - 1]
        next_cursor = _debt_cursor(amount_of[last], last)
    return order[: max(limit, 0)], next_cursor


def _contracts_with_books(org, creditor, pks: list[int]) -> tuple[list[Contract], dict[int, BooksDebt]]:
    """The page's contracts in its order (one query) with their books' row."""
    if not pks:
        return [], {}
    fetched = {
        c.pk: c
        for c in in_section(Contract.objects.for_org(org), creditor, "product__creditor")
        .select_related("product__creditor")
        .annotate(
            b_id=F("debts__id"),
            b_amount=F("debts__amount"),
            b_penalty=F("debts__penalty"),
            b_as_of=F("debts__as_of"),
            b_ledger_amount=F("debts__ledger_amount"),
            b_ledger_penalty=F("debts__ledger_penalty"),
            b_ledger_advance=F("debts__ledger_advance"),
            b_ledger_balance=F("debts__ledger_balance"),
        )
        .filter(pk__in=pks)
        .order_by()
    }
    contracts = [fetched[pk] for pk in pks if pk in fetched]
    books = {
        c.pk: BooksDebt(
            pk=c.b_id,
            organization_id=c.organization_id,
            contract_id=c.pk,
            amount=c.b_amount,
            penalty=c.b_penalty,
            as_of=c.b_as_of,
            ledger_amount=c.b_ledger_amount,
            ledger_penalty=c.b_ledger_penalty,
            ledger_advance=c.b_ledger_advance,
            ledger_balance=c.b_ledger_balance,
        )
        for c in contracts
        if c.b_id is not None
    }
    return contracts, books


def _checks(org_id: int, sums: dict[int, _Sums]) -> dict[int, BooksCheck]:
    """The check of each books' row from its copies (in the sums); a row written around the services has
    no copies yet, and those (only) are computed from the ledger (two queries more)."""
    checks: dict[int, BooksCheck] = {}
    uncopied = []
    for pk, row in sums.items():
        if row.books is None:
            continue
        total, ledger_total, advance, balance, as_of = row.books
        if ledger_total is None or advance is None or balance is None:
            uncopied.append(pk)
            continue
        # The figure and the ledger's are summed here; the check keeps them as totals (penalties at 0).
        checks[pk] = BooksCheck(as_of, total, ZERO, ledger_total, ZERO, advance, balance)
    if uncopied:
        inputs = load(org_id, uncopied)
        for book in BooksDebt.objects.for_org_id(org_id).filter(contract_id__in=uncopied):
            checks[book.contract_id] = books_check_of(inputs[book.contract_id], book)
    return checks


@dataclass
class Computed:
    """One contract's debt today from the whole ledger: what `DebtRow` keeps."""

    amount: Decimal
    lines: list[DebtLine]
    figure: BooksFigure | None
    check: BooksCheck | None


def computed_debts(
    org_id: int, creditor=None, *, today: date, contract_ids: list[int] | None = None
) -> dict[int, Computed]:
    """Every contract in debt today (of these contracts only, when given), computed from the ledger's row
    copies in two queries (three when a books' row has no copies yet): the books' figure rolled forward
    (`books.books_figure`, docs/ledger-rules.md B1–B6) where the books sent one, else the portal's overdue;
    a contract is in debt when it is above 0,00."""
    sums = _overdue_sums(org_id, creditor, today, contract_ids)
    if not sums:
        return {}
    checks = _checks(org_id, sums)
    out: dict[int, Computed] = {}
    for pk, row in sums.items():
        lines = debt_lines(row.debt)
        overdue = sum((line.amount for line in lines), ZERO)
        check = checks.get(pk)
        figure = books_figure(check, overdue=overdue, due_since=row.due_since, today=today)
        amount = figure.headline if figure is not None else overdue
        if amount > 0:
            out[pk] = Computed(amount, lines, figure, check)
    return out


def org_debt(
    org, creditor=None, *, today: date | None = None, after: str = "", limit: int | None = None
) -> DebtSummary:
    """The overdue debt of an organization (of one creditor's section when given).

    Read from the summary the ledger keeps (`DebtTotal`, `DebtRow`: two queries, a bounded number of rows
    whatever the client's size) when it was made today; else computed from the whole ledger
    (`computed_org_debt`) — between midnight and the organization's first ledger write or the nightly job.

    Order: the largest debt first, then by contract id. With `limit`, the page holds at most `limit`
    contracts after the keyset cursor `after` ("<amount>_<contract id>" of the last row shown, `next_cursor`
    of the previous page): walking the pages never repeats or skips a contract. `total` and `count` are
    always over every contract listed."""
    today = today or timezone.localdate()
    kept = _kept_org_debt(org, creditor, today=today, after=after, limit=limit)
    if kept is not None:
        return kept
    return computed_org_debt(org, creditor, today=today, after=after, limit=limit)


def computed_org_debt(
    org, creditor=None, *, today: date | None = None, after: str = "", limit: int | None = None
) -> DebtSummary:
    """`org_debt` computed from the whole ledger (`computed_debts`) plus the page's contracts: what the
    summary must equal (the property test compares them after every step)."""
    today = today or timezone.localdate()
    debts = computed_debts(org.pk, creditor, today=today)
    if not debts:
        return DebtSummary(total=ZERO, as_of=None, rows=[])
    amount_of = {pk: d.amount for pk, d in debts.items()}
    order, next_cursor = _page(amount_of, after, limit)
    contracts, books = _contracts_with_books(org, creditor, order)
    rows = [
        ContractDebt(
            contract=contract,
            amount=amount_of[contract.pk],
            lines=debts[contract.pk].lines,
            books=books.get(contract.pk),
            books_check=_full_check(books.get(contract.pk), debts[contract.pk].check),
            books_figure=debts[contract.pk].figure,
        )
        for contract in contracts
    ]
    return DebtSummary(
        total=sum(amount_of.values(), ZERO),
        as_of=today,
        rows=rows,
        count=len(amount_of),
        next_cursor=next_cursor,
    )


def _kept_totals(org, creditor, today: date) -> tuple[Decimal, int] | None:
    """(total, count) from `DebtTotal` when the organization's summary was made `today`; else None."""
    found: dict[int | None, tuple[date, Decimal, int]] = {
        creditor_id: (as_of, total, count)
        for creditor_id, as_of, total, count in _KEPT_TOTALS.rows(
            org_id=org.pk, creditor_id=creditor.pk if creditor is not None else None
        )
    }
    whole = found.get(None)
    if whole is None or whole[0] != today:
        return None
    if creditor is None:
        return whole[1], whole[2]
    section = found.get(creditor.pk)
    return (section[1], section[2]) if section is not None else (ZERO, 0)


def _kept_totals_query(org_id: int, creditor_id: int | None) -> QuerySet:
    """The query of `_kept_totals`: the organization's row, and its section's when a creditor is given."""
    sections = [creditor_id] if creditor_id is not None else []
    return (
        DebtTotal.objects.for_org_id(org_id)
        .filter(Q(creditor__isnull=True) | Q(creditor_id__in=sections))
        .values_list("creditor_id", "as_of", "total", "count")
    )


# Compiled once per thread (and shape): building these in the ORM cost more than running them.
_KEPT_TOTALS = Prepared(_kept_totals_query)

_BOOKS_FIELDS = ("amount", "penalty", "as_of", "ledger_amount", "ledger_penalty", "ledger_advance", "ledger_balance")
_AMOUNT = DebtRow._meta.get_field("amount")


def _kept_rows_query(
    org_id: int, creditor_id: int | None, after_kopecks: int | None, after_pk: int | None, *, limit: int | None
) -> QuerySet:
    """The query of `_kept_org_debt`'s rows: the section's (all without a creditor), after the cursor
    (its amount in kopecks, as the column holds it; its contract id), largest first, `limit + 1` of them."""
    rows_qs = DebtRow.objects.for_org_id(org_id)
    if creditor_id is not None:
        rows_qs = rows_qs.filter(creditor_id=creditor_id)
    if after_kopecks is not None and after_pk is not None:
        amount = Decimal(after_kopecks) / 100
        rows_qs = rows_qs.filter(Q(amount__lt=amount) | Q(amount=amount, contract_id__gt=after_pk))
    rows_qs = (
        rows_qs.select_related("contract__product__creditor")
        .annotate(
            b_id=F("contract__debts__id"), **{f"b_{name}": F(f"contract__debts__{name}") for name in _BOOKS_FIELDS}
        )
        .order_by("-amount", "contract_id")
    )
    return rows_qs[: limit + 1] if limit is not None else rows_qs


@lru_cache(maxsize=16)
def _kept_rows(limit: int | None) -> Prepared:
    """The rows' query compiled once per page size (the LIMIT is part of the SQL)."""
    return Prepared(partial(_kept_rows_query, limit=limit))


def _kept_org_debt(org, creditor, *, today: date, after: str, limit: int | None) -> DebtSummary | None:
    """`org_debt` read from the summary: the totals (one query) and the page's rows with their contracts
    and books' rows (one query); None when the summary is not of `today` (or a books' row on the page
    was written around the services, without its copies)."""
    totals = _kept_totals(org, creditor, today)
    if totals is None:
        return None
    total, count = totals
    if count == 0:
        return DebtSummary(total=ZERO, as_of=None, rows=[])
    if limit is not None and limit <= 0:
        return DebtSummary(total=total, as_of=today, rows=[], count=count)
    position = _parse_debt_cursor(after) if after else None
    found: list[Any] = _kept_rows(limit).objects(  # DebtRow, annotated with its books' row (b_…)
        org_id=org.pk,
        creditor_id=creditor.pk if creditor is not None else None,
        # The cursor's amount as the column holds it (kopecks), as the filter on the field would pass it.
        after_kopecks=_AMOUNT.get_prep_value(position[0]) if position else None,
        after_pk=position[1] if position else None,
    )
    next_cursor = ""
    if limit is not None and len(found) > limit:
        found = found[:limit]
        next_cursor = _debt_cursor(found[-1].amount, found[-1].contract_id)
    rows = []
    for kept in found:
        book = None
        if kept.b_id is not None:
            book = BooksDebt(pk=kept.b_id, organization_id=kept.organization_id, contract_id=kept.contract_id)
            for name in _BOOKS_FIELDS:
                setattr(book, name, getattr(kept, f"b_{name}"))
        check = copied_books_check(book)
        if book is not None and check is None:
            return None
        lines = [
            DebtLine(
                rate=Decimal(rate) if rate is not None else None,
                amount=Decimal(amount),
                vat=Decimal(vat),
                is_penalty=bool(penalty),
            )
            for rate, amount, vat, penalty in kept.lines
        ]
        portal = sum((line.amount for line in lines), ZERO)
        figure = (
            BooksFigure(as_of=check.as_of, books_total=check.books_total, portal=portal, headline=kept.amount)
            if check is not None
            else None
        )
        rows.append(
            ContractDebt(
                contract=kept.contract,
                amount=kept.amount,
                lines=lines,
                books=book,
                books_check=check,
                books_figure=figure,
            )
        )
    return DebtSummary(total=total, as_of=today, rows=rows, count=count, next_cursor=next_cursor)


def _full_check(book: BooksDebt | None, summed: BooksCheck | None) -> BooksCheck | None:
    """The check with the books' amount and penalty apart, from the page's row (as the card shows it)."""
    if book is None or summed is None:
        return None
    if book.ledger_amount is None or book.ledger_penalty is None:
        return summed  # computed from the ledger (`_checks`), with the amounts apart
    return BooksCheck(
        as_of=book.as_of,
        books_amount=book.amount,
        books_penalty=book.penalty,
        ledger_amount=book.ledger_amount,
        ledger_penalty=book.ledger_penalty,
        ledger_advance=summed.ledger_advance,
        ledger_balance=summed.ledger_balance,
    )


def contracts_overdue(org, contract_ids: list[int], *, today: date | None = None) -> dict[int, Decimal]:
    """«Просрочено» of each of these contracts (Σ outstanding of every charge due before today), as
    `ContractLedger.overdue` computes it, from the row copies. Three queries."""
    today = today or timezone.localdate()
    out = dict.fromkeys(contract_ids, ZERO)
    for model, due, _has_rate, _penalty, gone in _CHARGE_TABLES:
        rows = model.objects.for_org(org).filter(
            contract_id__in=contract_ids, is_paid=False, **{f"{due}__lt": today}, **_counting(gone)
        )
        if model is Adjustment:
            rows = rows.filter(amount__gt=0)
        for contract_id, amount, paid in rows.values_list("contract_id", "amount", "paid_amount"):
            out[contract_id] += max(amount - paid, ZERO)
    return out
