"""Property test: random sequences of integration API calls (replace the schedule, move a line's due date,
change its VAT rate, record payments — partial, allocated by the books or not, across the 20 % → 22 % VAT
boundary — reverse payments, charge and write off penalties, credit the contract by the books' adjustments and remove
them again (a dated reversal, never a deletion), send the books' debt figure on a date as one
amount or per VAT rate, which the portal rolls forward to today), and after every step the card, the main
page (debt block and calendar), the XLSX, the ICS and the invoices equal a model computed here,
independently, to the kopeck; every invoice issued so far has the status the table of
docs/ledger-rules.md gives it; and the акт сверки of every period that ends before the dates the step's
entries carry is unchanged by the step (a past period changes only by entries dated inside it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kabinet.api.models import ApiToken
from kabinet.contracts.ledger import (
    calendar_page,
    computed_org_debt,
    contract_card,
    contract_ledger,
    org_debt,
    statement,
)
from kabinet.contracts.models import Contract, DebtRow, DebtTotal, ScheduledPayment
from kabinet.core.money import vat_included
from kabinet.core.xlsx import read_workbook
from kabinet.testing.factories import ContractFactory, MembershipFactory, OrganizationFactory, ProductFactory
from kabinet.testing.pages import calendar_rows, card_figures, debt_total

TODAY = timezone.localdate()
DUE_DATES = [
    date(2025, 12, 10),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 1, 15),
    TODAY - timedelta(days=1),
    TODAY,
    TODAY + timedelta(days=10),
    TODAY + timedelta(days=45),
]
PAY_DATES = [date(2025, 12, 20), date(2026, 1, 10), TODAY - timedelta(days=3), TODAY]
# The books' credit adjustments: dated apart from the payments (on one day payments go first).
ADJ_DATES = [date(2025, 12, 22), date(2026, 1, 11), TODAY - timedelta(days=4)]
ZERO = Decimal("0.00")
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)


def rate_on(day: date) -> Decimal:
    return Decimal("22") if day >= date(2026, 1, 1) else Decimal("20")


def _shown(summary) -> tuple:
    rows = [
        (
            r.contract_id,
            r.amount,
            r.lines,
            r.books_check,
            (r.books_figure.as_of, r.books_figure.portal, r.books_figure.headline, r.books_figure.residual)
            if r.books_figure
            else None,
        )
        for r in summary.rows
    ]
    return summary.total, summary.count, summary.as_of, rows, summary.next_cursor


def assert_summary_equals_ledger(org, creditor) -> None:
    """`org_debt` read from the kept summary equals `computed_org_debt` (the whole ledger), for the whole
    organization and the contract's creditor section, on every page of one row."""
    for section in (None, creditor):
        assert _shown(org_debt(org, section, today=TODAY)) == _shown(computed_org_debt(org, section, today=TODAY))
        after = ""
        while True:
            kept = org_debt(org, section, today=TODAY, after=after, limit=1)
            assert _shown(kept) == _shown(computed_org_debt(org, section, today=TODAY, after=after, limit=1))
            if not kept.next_cursor:
                break
            after = kept.next_cursor
    assert DebtRow.objects.filter(organization=org, amount__lte=0).count() == 0


# --- The model -----------------------------------------------------------------------------


@dataclass
class Model:
    lines: dict[int, tuple[date, Decimal]] = field(default_factory=dict)  # number -> (due, amount)
    zero_vat: set[int] = field(default_factory=set)  # lines the books moved to 0 % VAT
    # Every invoice issued so far: pk -> (kind, line number or None, amount, what it printed, settled at issue)
    invoices: dict[int, tuple[str, int | None, Decimal, Any, Decimal]] = field(default_factory=dict)
    # Credits: payments and the books' negative adjustments ("adj"): id, date, amount, explicit
    # [(number, amount)], reversed (an adjustment removed: undone from today, as a reversed payment).
    payments: list[dict] = field(default_factory=list)
    penalties: dict[str, tuple[date, Decimal, int]] = field(default_factory=dict)  # key -> (due, amount, seq)
    # Penalties the books wrote off today (never charged again): still owed on any day before today.
    written_off: dict[str, tuple[date, Decimal, int]] = field(default_factory=dict)
    seq: int = 0
    # The books' figure: (as_of, {rate: amount} or a single amount (rate None key "single"), penalty)
    books: tuple[date, dict[Any, Decimal], Decimal] | None = None
    touched: set[date] = field(default_factory=set)  # the dates the last step's entries carry

    def counts(self, p: dict, on: date | None) -> bool:
        """A payment counts on a day when received by then and not reversed by then (reversals: today)."""
        if on is None:
            return not p["reversed"]
        return p["date"] <= on and (not p["reversed"] or on < TODAY)

    def penalties_on(self, on: date | None) -> dict[str, tuple[date, Decimal, int]]:
        """The penalties charged on a day: the written-off ones until their write-off (today)."""
        if on is not None and on < TODAY:
            return {**self.penalties, **self.written_off}
        return self.penalties

    def outstanding(self, on: date | None = None) -> tuple[dict[int, Decimal], dict[str, Decimal]]:
        """Explicit allocations first (payments by date, then id), then oldest due first."""
        line_left = {n: amount for n, (_, amount) in self.lines.items()}
        penalties = self.penalties_on(on)
        pen_left = {k: amount for k, (_, amount, _) in penalties.items()}
        live = sorted((p for p in self.payments if self.counts(p, on)), key=lambda p: (p["date"], p["seq"]))
        rest = {}
        for p in live:
            money = p["amount"]
            for number, amount in p["explicit"]:
                if number in line_left:
                    take = min(amount, line_left[number], money)
                    line_left[number] -= take
                    money -= take
            rest[p["seq"]] = money
        # Same day: lines (by number) before penalties (in the order they were charged).
        queue: list[tuple[date, int, int, str, Any]] = [(due, 0, n, "line", n) for n, (due, _) in self.lines.items()]
        queue += [(due, 2, seq, "pen", k) for k, (due, _, seq) in penalties.items()]
        queue.sort(key=lambda q: q[:3])
        for p in live:
            money = rest[p["seq"]]
            for *_, kind, key in queue:
                left: dict[Any, Decimal] = line_left if kind == "line" else pen_left
                take = min(left[key], money)
                left[key] -= take
                money -= take
        return line_left, pen_left

    def rate(self, number: int) -> Decimal:
        return Decimal("0") if number in self.zero_vat else rate_on(self.lines[number][0])

    def received(self, on: date | None = None) -> Decimal:
        """The payments received (what an invoice counts as money against it)."""
        return sum((p["amount"] for p in self.payments if self.counts(p, on) and not p.get("adj")), ZERO)

    def credits(self, on: date | None = None) -> Decimal:
        """Every credit counting on the day: payments and the books' negative adjustments."""
        return sum((p["amount"] for p in self.payments if self.counts(p, on)), ZERO)

    def charges(self) -> list[tuple[date, Decimal]]:
        return [(due, amount) for due, amount in self.lines.values()] + [
            (due, amount) for due, amount, _ in self.penalties.values()
        ]

    def overdue_by_rate(self, on: date, line_left) -> dict[Decimal, Decimal]:
        out: dict[Decimal, Decimal] = {}
        for n, left in line_left.items():
            if self.lines[n][0] < on and left > 0:
                out[self.rate(n)] = out.get(self.rate(n), ZERO) + left
        return out

    def advance(self, on: date | None, day: date, line_left, pen_left) -> Decimal:
        """What the payments counting on `on` did not spend on the charges due before `day`."""
        spent = sum((amount - line_left[n] for n, (due, amount) in self.lines.items() if due < day), ZERO)
        penalties = self.penalties_on(on)
        spent += sum((amount - pen_left[k] for k, (due, amount, _) in penalties.items() if due < day), ZERO)
        return self.credits(on) - spent

    def books_figure(self, overdue: Decimal, line_left, pen_left):
        """(headline, residual per rate {rate or "pen": amount}) by docs/ledger-rules.md B1–B4; None
        without a books' figure."""
        if self.books is None:
            return None
        day, by_rate, penalty = self.books
        if "single" in by_rate:  # read at the rate of the latest line due on or before the date (B4)
            before = [n for n, (due, _) in self.lines.items() if due <= day]
            latest = max(before, key=lambda n: (self.lines[n][0], n)) if before else None
            by_rate = {self.rate(latest) if latest is not None else rate_on(day): by_rate["single"]}
        left_d, pens_d = self.outstanding(on=day)
        ledger_rates = self.overdue_by_rate(day, left_d)
        ledger_pen = sum((v for k, v in pens_d.items() if self.penalties_on(day)[k][0] < day), ZERO)
        delta = sum(by_rate.values(), ZERO) + penalty - sum(ledger_rates.values(), ZERO) - ledger_pen
        residual = delta
        if delta > 0 and day < TODAY:
            growth = self.advance(None, TODAY, line_left, pen_left) - self.advance(day, day, left_d, pens_d)
            residual = delta - min(max(growth, ZERO), delta)
            if self.advance(day, day, left_d, pens_d) == 0 and growth <= delta:
                # B1 literally: the books' figure + charges due since − credits since (+ reversals since).
                due_since = sum((a for due, a in self.charges() if day <= due < TODAY), ZERO)
                since = self.credits(None) - self.credits(day)
                # A write-off since D of a penalty charged before D is a credit since D too.
                since += sum((a for due, a, _ in self.written_off.values() if due < day), ZERO)
                literal = sum(by_rate.values(), ZERO) + penalty + due_since - since
                assert max(literal, ZERO) == max(overdue + residual, ZERO)
        residual = max(residual, -overdue)
        rates = sorted(set(by_rate) | set(ledger_rates))
        parts = [(r, by_rate.get(r, ZERO) - ledger_rates.get(r, ZERO)) for r in rates] + [("pen", penalty - ledger_pen)]
        split: dict[Any, Decimal] = {}
        if residual != 0 and sum((a for _, a in parts), ZERO) == residual:
            split = {r: a for r, a in parts if a != 0}
        elif residual != 0:
            left, sign = abs(residual), (1 if residual > 0 else -1)
            for r, a in parts:
                take = min(abs(a), left) if a * sign > 0 else ZERO
                if take > 0:
                    split[r] = take * sign
                    left -= take
        return overdue + residual, split


# --- Operations ----------------------------------------------------------------------------

schedule_op = st.tuples(
    st.just("schedule"),
    st.lists(st.tuples(st.sampled_from(DUE_DATES), cents), min_size=1, max_size=7),
)
pay_op = st.tuples(
    st.just("pay"),
    cents,
    st.sampled_from(PAY_DATES),
    st.one_of(st.none(), st.tuples(st.integers(min_value=1, max_value=7), cents)),
)
reverse_op = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=5))
# The books move a line's due date, or change its VAT rate (to 0 % and back), and send the schedule again.
move_op = st.tuples(st.just("move"), st.integers(min_value=0, max_value=6), st.sampled_from(DUE_DATES))
vat_op = st.tuples(st.just("vat"), st.integers(min_value=0, max_value=6))
penalty_op = st.tuples(st.just("penalty"), st.sampled_from(["PEN-1", "PEN-2"]), st.one_of(st.just(ZERO), cents))
# The books' own debt figure on a date (the portal shows the ledger's figure on that date next to it).
books_op = st.tuples(
    st.just("books"),
    cents,
    st.one_of(st.just(ZERO), cents),
    st.sampled_from(DUE_DATES + PAY_DATES),
    st.one_of(st.none(), st.tuples(cents, st.sampled_from([Decimal("20"), Decimal("22"), Decimal("0")]))),
)
# The books credit the contract (a negative adjustment on its date), or remove such an adjustment (today).
adjust_op = st.tuples(st.just("adjust"), cents, st.sampled_from(ADJ_DATES))
unadjust_op = st.tuples(st.just("unadjust"), st.integers(min_value=0, max_value=5))
operations = st.lists(
    st.one_of(schedule_op, pay_op, pay_op, reverse_op, penalty_op, books_op, move_op, vat_op, adjust_op, unadjust_op),
    min_size=1,
    max_size=6,
)


def send_schedule(api: Client, model: Model) -> None:
    rows = [
        {"number": n, "due_date": str(due), "amount": str(amount), "vat_rate": str(model.rate(n))}
        for n, (due, amount) in sorted(model.lines.items())
    ]
    response = api.put("/api/v1/contracts/PT-1/schedule/", {"payments": rows}, content_type="application/json")
    assert response.status_code == 200, response.content


def apply(api: Client, model: Model, op) -> None:
    kind = op[0]
    model.touched = set()
    if kind == "schedule":
        model.touched = {due for due, _ in model.lines.values()} | {due for due, _ in op[1]}
        model.lines = {n: (due, amount) for n, (due, amount) in enumerate(op[1], start=1)}
        model.zero_vat = set()
        send_schedule(api, model)
        for payment in model.payments:  # a removed line's allocations are gone with it
            payment["explicit"] = [(n, a) for n, a in payment["explicit"] if n in model.lines]
    elif kind == "pay":
        _, amount, day, split = op
        seq = len(model.payments) + 1
        row: dict[str, Any] = {
            "external_id": f"PP-{seq}",
            "contract": "PT-1",
            "received_on": str(day),
            "amount": str(amount),
        }
        explicit = []
        if split and split[0] in model.lines and split[1] <= amount:
            row["allocations"] = [{"number": split[0], "amount": str(split[1])}]
            explicit = [split]
        response = api.post("/api/v1/payments/", {"payments": [row]}, content_type="application/json")
        assert response.status_code == 200, response.content
        model.payments.append({"seq": seq, "date": day, "amount": amount, "explicit": explicit, "reversed": False})
        model.touched = {day}
    elif kind == "adjust":
        _, amount, day = op
        seq = len(model.payments) + 1
        row = {"external_id": f"ADJ-{seq}", "contract": "PT-1", "date": str(day), "amount": str(-amount)}
        response = api.post("/api/v1/adjustments/", {"adjustments": [row]}, content_type="application/json")
        assert response.status_code == 200, response.content
        model.payments.append(
            {"seq": seq, "date": day, "amount": amount, "explicit": [], "reversed": False, "adj": True}
        )
        model.touched = {day}
    elif kind == "unadjust":
        live = [p for p in model.payments if p.get("adj") and not p["reversed"]]
        if not live:
            return
        target = live[op[1] % len(live)]
        row = {"external_id": f"ADJ-{target['seq']}", "contract": "PT-1", "date": str(target["date"]), "amount": "0"}
        response = api.post("/api/v1/adjustments/", {"adjustments": [row]}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["removed"] == 1
        target["reversed"] = True  # a dated reversal entry of today; the adjustment's own entry stays
        model.touched = {TODAY}
    elif kind == "reverse":
        live = [p for p in model.payments if not p["reversed"] and not p.get("adj")]
        if not live:
            return
        target = live[op[1] % len(live)]
        response = api.post(
            f"/api/v1/payments/PP-{target['seq']}/reversal/",
            {"reversed_on": str(TODAY)},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        target["reversed"] = True
        model.touched = {TODAY}
        # Explicit allocations to lines that are gone went back to the pool (the model skips them too).
    elif kind in ("move", "vat"):
        if not model.lines:
            return
        number = sorted(model.lines)[op[1] % len(model.lines)]
        model.touched = {model.lines[number][0]} | ({op[2]} if kind == "move" else set())
        if kind == "move":
            model.lines[number] = (op[2], model.lines[number][1])
        else:
            model.zero_vat ^= {number}
        send_schedule(api, model)
    elif kind == "books":
        _, amount, penalty, day, second = op
        payload: dict[str, Any] = {"amount": str(amount), "penalty": str(penalty), "as_of": str(day)}
        by_rate: dict[Any, Decimal]
        if second is None:  # one amount: read at the rate of B4 whenever it is read
            by_rate = {"single": amount}
        else:  # the books' lines per VAT rate (22 % and another)
            other_amount, other_rate = second
            lines = {Decimal("22"): amount}
            lines[other_rate] = lines.get(other_rate, ZERO) + other_amount
            payload = {
                "lines": [{"vat_rate": str(r), "amount": str(a)} for r, a in lines.items()],
                "penalty": str(penalty),
                "as_of": str(day),
            }
            by_rate = lines
        response = api.put("/api/v1/contracts/PT-1/debt/", payload, content_type="application/json")
        assert response.status_code == 200, response.content
        model.books = (day, by_rate, penalty)
    elif kind == "penalty":
        _, key, amount = op
        day = TODAY - timedelta(days=2)
        row = {"external_id": key, "contract": "PT-1", "accrued_on": str(day), "amount": str(amount), "basis": "пени"}
        response = api.post("/api/v1/penalties/", {"penalties": [row]}, content_type="application/json")
        if key in model.written_off and amount > 0:  # written off: not charged again under its id
            assert response.status_code == 400, response.content
            return
        assert response.status_code == 200, response.content
        if amount == 0:
            charged = model.penalties.pop(key, None)
            if charged is not None:  # a dated credit entry of today; the penalty stays
                model.written_off[key] = charged
                model.touched = {TODAY}
            return
        model.touched = {day}
        if key in model.penalties:
            model.penalties[key] = (day, amount, model.penalties[key][2])
        else:
            model.seq += 1
            model.penalties[key] = (day, amount, model.seq)


# --- What every page, file and invoice must say -----------------------------------------------


def check(client: Client, contract: Contract, model: Model) -> None:
    line_left, pen_left = model.outstanding()
    overdue_lines = {n: v for n, v in line_left.items() if model.lines[n][0] < TODAY}
    overdue_pens = {k: v for k, v in pen_left.items() if model.penalties[k][0] < TODAY}
    remaining = sum(line_left.values(), ZERO) + sum(pen_left.values(), ZERO)
    overdue = sum(overdue_lines.values(), ZERO) + sum(overdue_pens.values(), ZERO)
    by_rate: dict[Decimal | None, list[Decimal]] = {}
    for n, left in overdue_lines.items():
        if left > 0:
            rate = model.rate(n)
            by_rate.setdefault(rate, [ZERO, ZERO])
            by_rate[rate][0] += left
            # The VAT of a remainder: the line's VAT less the VAT of what was paid of it.
            line_amount = model.lines[n][1]
            by_rate[rate][1] += vat_included(line_amount, rate) - vat_included(line_amount - left, rate)
    for left in overdue_pens.values():
        if left > 0:
            by_rate.setdefault(None, [ZERO, ZERO])[0] += left
    # The contract's debt: the books' figure rolled forward, else the portal's overdue (B1–B4).
    figure = model.books_figure(overdue, line_left, pen_left)
    debt, residual = figure if figure is not None else (overdue, {})

    # The card.
    card = contract_card(contract, today=TODAY)
    assert (card.remaining, card.overdue, card.debt) == (remaining, overdue, debt)
    # The card shows them: «Просрочено» is the contract's debt (the books' headline when they sent one);
    # «нет данных» before a schedule, unless the books sent a figure.
    figures = card_figures(client.get(f"/contracts/{contract.pk}/"))
    assert figures == ((remaining, debt) if card.lines else (None, debt if card.books_figure else None))
    assert {p.number: p.outstanding for p in card.lines} == line_left

    # The card and the main page read the copies the ledger service keeps; they equal the ledger
    # computed from scratch (every charge, credit and allocation) in every figure.
    full = contract_ledger(contract)
    for name in ("remaining", "overdue", "paid", "unallocated", "penalties_outstanding", "debt_lines", "debt"):
        assert getattr(card, name) == getattr(full, name), name
    assert card.books_check == full.books_check
    state = [(p.pk, p.paid_amount, p.paid_date, p.is_paid, p.status) for p in card.lines]
    assert state == [(p.pk, p.paid_amount, p.paid_date, p.is_paid, p.status) for p in full.lines]
    assert (card.next_line and card.next_line.pk) == (full.next_line and full.next_line.pk)
    assert [p.pk for p in card.unpaid_lines] == [p.pk for p in full.unpaid_lines]
    # The summary the ledger keeps in the transaction of every write (`DebtRow`, `DebtTotal`) is of today
    # and equals the figure computed from the whole ledger: total, count, every row and its lines.
    # (None only before the first ledger write.)
    kept_total = DebtTotal.objects.filter(organization=contract.organization, creditor__isnull=True).first()
    assert kept_total is None or kept_total.as_of == TODAY
    assert_summary_equals_ledger(contract.organization, contract.product.creditor)
    summary = org_debt(contract.organization)
    # Listed when the debt is above 0,00, counted as listed (B6), with the card's figure (one selector).
    if debt > 0:
        (row,) = summary.rows
        assert (row.amount, row.lines, row.books_check) == (debt, full.debt_lines, full.books_check)
        assert summary.count == 1
        if row.books_figure is not None and card.books_figure is not None:
            shown = (row.books_figure.headline, row.books_figure.residual)
            assert shown == (card.books_figure.headline, debt - overdue)
    else:
        assert (summary.rows, summary.count) == ([], 0)

    # The main page: debt block (the portal's lines beside the headline) and the calendar.
    page = client.get("/dashboard/")
    assert debt_total(page) == debt
    block = org_debt(contract.organization, today=TODAY)
    assert block.total == debt
    if debt > 0:
        (row,) = block.rows
        assert {line.rate: [line.amount, line.vat] for line in row.lines} == by_rate
    else:
        assert block.rows == []
    numbers = {p.pk: p.number for p in ScheduledPayment.objects.filter(contract=contract)}
    upcoming = sorted(
        (due, pk) for pk, n in numbers.items() for due in [model.lines[n][0]] if due >= TODAY and line_left[n] > 0
    )
    assert calendar_rows(page) == [
        (p.pk, p.outstanding) for p in calendar_page(contract.organization, today=TODAY).rows
    ]
    assert calendar_rows(page) == [(pk, line_left[numbers[pk]]) for _, pk in upcoming[:10]]

    # The spreadsheet: paid and remaining of every line.
    sheet = read_workbook(client.get(f"/contracts/{contract.pk}/schedule.xlsx").content).active
    sheet_rows = {
        r[0].value: (Decimal(str(r[5].value)), Decimal(str(r[6].value)))
        for r in sheet.iter_rows(min_row=3)
        if isinstance(r[0].value, int)
    }
    assert sheet_rows == {n: (amount - line_left[n], line_left[n]) for n, (_, amount) in model.lines.items()}

    # The calendar file: one event per line with something left to pay, with that amount.
    ics = client.get(f"/contracts/{contract.pk}/schedule.ics")
    unpaid = {n: left for n, left in line_left.items() if left > 0}
    if not unpaid:
        assert ics.status_code == 404
    else:
        text = ics.content.decode().replace("\r\n ", "")
        events = re.findall(r"UID:PT-1-(\d+)@.*?SUMMARY:[^\r\n]*?: ([\d\s]+\\,\d\d)", text, re.S)
        found = {int(n): Decimal(a.replace(" ", "").replace("\u202f", "").replace("\\,", ".")) for n, a in events}
        assert found == unpaid

    check_invoices(contract, model, line_left, pen_left, debt, by_rate, residual, card.next_line)


def _expected_status(model: Model, pk: int, line_left, pen_left, by_rate, debt, residual) -> tuple[str, Decimal]:
    """The status of docs/ledger-rules.md from the model: money received against the invoice moves it
    (partly paid, paid); else it is current only while what it printed still holds; else annulled."""
    kind, number, amount, printed, settled = model.invoices[pk]
    if kind == "payment":
        if number not in model.lines:
            return "annulled", ZERO  # the books removed the line
        now_settled = model.lines[number][1] - line_left[number]
        still_due, print_now = line_left[number], line_print(model, number)
    else:
        now_settled = model.received()
        still_due = debt
        print_now = debt_print(model, pen_left, by_rate, residual)
    paid = min(max(now_settled - settled, ZERO), amount)
    if paid >= amount:
        return "paid", paid
    if paid > 0:
        return "partly_paid", paid
    if print_now == printed and still_due == amount:
        return "current", ZERO
    return "annulled", ZERO


def line_print(model: Model, number: int):
    due, amount = model.lines[number]
    return (number, due, amount, model.rate(number))


def debt_print(model: Model, pen_left, by_rate, residual):
    overdue_pens = {k: v for k, v in pen_left.items() if v > 0 and model.penalties[k][0] < TODAY}
    books_day = model.books[0] if residual and model.books else None
    return ({r: tuple(v) for r, v in by_rate.items() if r is not None}, overdue_pens, residual, books_day)


def residual_vat(residual) -> dict[Decimal, Decimal]:
    out: dict[Decimal, Decimal] = {}
    for rate, amount in residual.items():
        if rate != "pen":
            vat = vat_included(abs(amount), rate) * (1 if amount > 0 else -1)
            out[rate] = out.get(rate, ZERO) + vat
    return out


def check_invoices(contract: Contract, model: Model, line_left, pen_left, debt, by_rate, residual, nxt) -> None:
    """Every invoice issued so far has the status the table gives it (a read: nothing is written); then
    the debt invoice asks for the overdue debt with VAT per rate, the payment invoice for what is left of
    the line, each the current one when there is one, else a new number."""
    from unittest import mock

    from kabinet.invoices import selectors
    from kabinet.invoices import services as invoices
    from kabinet.invoices.models import Invoice

    org = contract.organization
    issued = list(Invoice.objects.filter(organization=org).order_by("pk"))
    for invoice in selectors.with_status(org, issued):
        expected = _expected_status(model, invoice.pk, line_left, pen_left, by_rate, debt, residual)
        assert (invoice.status, invoice.paid_part) == expected
        assert invoice.status != "paid" or invoice.paid_part == invoice.amount
    current = {(model.invoices[i.pk][0], model.invoices[i.pk][1]): i.pk for i in issued if i.status == "current"}

    def record(invoice, kind: str, number: int | None, printed, settled: Decimal) -> None:
        if invoice.pk in model.invoices:
            assert current.get((kind, number)) == invoice.pk  # reused only while it is current
        else:
            assert (kind, number) not in current  # a new number only when none is current
            model.invoices[invoice.pk] = (kind, number, invoice.amount, printed, settled)

    # The figures are checked here; the PDF each issue renders and stores is tested in kabinet/invoices.
    with mock.patch.object(invoices, "store_pdf"):
        if debt > 0:
            # The invoice (and its QR) asks for the debt, with the portal's VAT and the books' residual's.
            invoice = invoices.debt_invoice_issue(org=org, contract_id=contract.pk)
            assert invoice.amount == debt
            vat = {rate: v for rate, (_, v) in by_rate.items() if rate is not None}
            for rate, v in residual_vat(residual).items():
                vat[rate] = vat.get(rate, ZERO) + v
            assert {Decimal(v["rate"]): Decimal(v["amount"]) for v in invoice.vat} == vat
            assert re.search(rf"\|Sum={int(debt * 100)}(\||$)", invoice.snapshot["qr_payload"])
            record(invoice, "debt", None, debt_print(model, pen_left, by_rate, residual), model.received())
        else:
            with pytest.raises(invoices.NothingToInvoice):
                invoices.debt_invoice_issue(org=org, contract_id=contract.pk)
        if nxt is not None:
            invoice = invoices.payment_invoice_issue(org=org, payment_id=nxt.pk)
            assert invoice.amount == line_left[nxt.number]
            settled = model.lines[nxt.number][1] - line_left[nxt.number]
            record(invoice, "payment", nxt.number, line_print(model, nxt.number), settled)


# The periods whose акт is checked: from the first due date on, ending on each of these days.
AKT_START = date(2025, 12, 1)
AKT_ENDS = [
    date(2025, 12, 15),
    date(2025, 12, 31),
    date(2026, 1, 12),
    TODAY - timedelta(days=3),
    TODAY - timedelta(days=1),
]


def akt(contract: Contract, end: date):
    """Every figure of the акт of [AKT_START, end]: the balances and each entry as printed."""
    figures = statement(contract.organization, start=AKT_START, end=end, contract=contract)
    entries = [(e.date, e.kind, e.description, e.document, e.debit, e.credit) for e in figures.entries]
    return figures.opening, figures.debit_total, figures.credit_total, figures.closing, entries


@pytest.fixture
def world(db):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    org = OrganizationFactory()
    member = MembershipFactory(organization=org)
    product = ProductFactory()
    client = Client()
    client.force_login(member.user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), client, org, product


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
# Always tried: a penalty charged, paid in part, written off, then charged again under its id (refused).
@example(
    ops=[
        ("schedule", [(date(2025, 12, 10), Decimal("100.00"))]),
        ("penalty", "PEN-1", Decimal("12.34")),
        ("pay", Decimal("105.00"), TODAY - timedelta(days=3), None),
        ("penalty", "PEN-1", ZERO),
        ("penalty", "PEN-1", Decimal("1.00")),
    ]
)
# Always tried: a credit adjustment paying a line, the books' figure on a day before it is removed, an
# invoice issued, the adjustment removed (the line is owed again, the акт of earlier periods unchanged).
@example(
    ops=[
        ("schedule", [(date(2025, 12, 10), Decimal("100.00")), (TODAY - timedelta(days=1), Decimal("50.00"))]),
        ("adjust", Decimal("60.00"), date(2025, 12, 22)),
        ("books", Decimal("40.00"), ZERO, date(2026, 1, 15), None),
        ("penalty", "PEN-1", Decimal("5.00")),
        ("unadjust", 0),
        ("penalty", "PEN-1", ZERO),
    ]
)
# Always tried: the books' figure alone (its VAT rate from the table, 22), a line of 2025 (20 %) making it
# two lines, then that line moved to today: the debt prints as at first, so the first invoice is current
# again (the print once held «22» and a line's «22.00» as two rates).
@example(
    ops=[
        ("books", Decimal("2642.76"), ZERO, TODAY, None),
        ("schedule", [(date(2025, 12, 10), Decimal("0.01"))]),
        ("schedule", [(TODAY, Decimal("0.01"))]),
    ]
)
def test_every_figure_equals_the_model_after_every_api_call(world, ops):
    api, client, org, product = world
    with transaction.atomic():
        contract = ContractFactory(organization=org, product=product, external_id="PT-1", number="PT-1")
        model = Model()
        for op in ops:
            before = {end: akt(contract, end) for end in AKT_ENDS}
            apply(api, model, op)
            check(client, contract, model)
            for end in AKT_ENDS:
                if model.touched and end < min(model.touched):
                    assert akt(contract, end) == before[end], (op, end)
        transaction.set_rollback(True)
