"""The allocation rule of the ledger (`ledger.allocate`), as a pure function."""

from datetime import date
from decimal import Decimal as D

from kabinet.contracts.ledger import ADJUSTMENT, LINE, PAYMENT, PENALTY, Charge, Credit, allocate


def lines(*amounts, start=1):
    return [Charge(LINE, n, date(2026, n, 10), D(a), D("22"), n) for n, a in enumerate(amounts, start=start)]


def paid(result):
    return {c.key: c.paid for c in result.charges}


def test_without_allocations_a_payment_pays_the_oldest_due_lines_first():
    result = allocate(lines("100", "100", "100"), [Credit(PAYMENT, 1, date(2026, 1, 5), D("150"))])
    assert paid(result) == {(LINE, 1): D("100"), (LINE, 2): D("50"), (LINE, 3): D("0")}
    assert result.charges[0].paid_date == date(2026, 1, 5) and result.charges[1].paid_date is None
    assert result.unallocated == 0


def test_the_books_allocation_comes_first_and_the_rest_goes_oldest_first():
    credit = Credit(PAYMENT, 1, date(2026, 1, 5), D("150"), explicit=[(LINE, 3, D("100"))])
    result = allocate(lines("100", "100", "100"), [credit])
    assert paid(result) == {(LINE, 1): D("50"), (LINE, 2): D("0"), (LINE, 3): D("100")}


def test_an_allocation_to_a_removed_line_goes_back_to_the_pool():
    credit = Credit(PAYMENT, 1, date(2026, 1, 5), D("100"), explicit=[(LINE, 99, D("100"))])
    assert paid(allocate(lines("100", "100"), [credit]))[(LINE, 1)] == D("100")


def test_an_allocation_beyond_the_line_pays_only_what_the_line_still_owes():
    credit = Credit(PAYMENT, 1, date(2026, 1, 5), D("300"), explicit=[(LINE, 2, D("300"))])
    result = allocate(lines("100", "100"), [credit])
    assert paid(result) == {(LINE, 1): D("100"), (LINE, 2): D("100")} and result.unallocated == D("100")


def test_a_reversed_payment_pays_nothing_from_its_reversal_on():
    credit = Credit(PAYMENT, 1, date(2026, 1, 5), D("100"), reversed_on=date(2026, 2, 1))
    assert paid(allocate(lines("100"), [credit]))[(LINE, 1)] == 0
    assert paid(allocate(lines("100"), [credit], on=date(2026, 1, 20)))[(LINE, 1)] == D("100")
    assert paid(allocate(lines("100"), [credit], on=date(2026, 2, 1)))[(LINE, 1)] == 0
    assert paid(allocate(lines("100"), [credit], on=date(2026, 1, 4)))[(LINE, 1)] == 0  # not yet received


def test_penalties_and_adjustments_are_charges_and_a_negative_adjustment_is_a_credit():
    charges = [
        *lines("100"),
        Charge(PENALTY, 7, date(2026, 1, 10), D("5"), None),
        Charge(ADJUSTMENT, 8, date(2026, 1, 10), D("10"), D("22")),
    ]
    credits = [Credit(ADJUSTMENT, 9, date(2026, 1, 1), D("108"))]
    result = allocate(charges, credits)
    # Same day: the line, then the adjustment, then the penalty.
    assert paid(result) == {(LINE, 1): D("100"), (ADJUSTMENT, 8): D("8"), (PENALTY, 7): D("0")}


def test_credits_are_taken_in_date_order_and_the_rule_is_the_same_however_they_arrive():
    a = Credit(PAYMENT, 2, date(2026, 1, 5), D("60"))
    b = Credit(PAYMENT, 1, date(2026, 1, 9), D("60"))
    first = allocate(lines("100", "100"), [a, b])
    second = allocate(lines("100", "100"), [b, a])
    assert paid(first) == paid(second) == {(LINE, 1): D("100"), (LINE, 2): D("20")}
    assert first.splits[(PAYMENT, 2)] == [(LINE, 1, D("60"))]
    assert first.splits[(PAYMENT, 1)] == [(LINE, 1, D("40")), (LINE, 2, D("20"))]
