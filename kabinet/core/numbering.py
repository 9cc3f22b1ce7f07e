"""One numbering scheme for what a client quotes to the lessor's staff, and the one way to take a number.

A number is a two-letter series, a dash and seven digits from the series' own counter, with no
date in it and no «№» in front: requests «Заявки» are `UC-0004607` (the series of the manual),
support appeals are `TP-0000012` («техподдержка»). Invoices keep the accounting series of their
own (`2026-000123`, per creditor and year), which the tax rules ask for.

Every counter is a row with a `last_number` column, found by its key (`name="appeal"`,
`creditor=…, year=…`); `next_in_sequence` takes the next value under that row's lock, so numbers are
sequential, without gaps (inside a transaction that commits) and never handed out twice.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction

REQUEST_SERIES = "UC"
SUPPORT_SERIES = "TP"


def client_number(series: str, sequence: int) -> str:
    return f"{series}-{sequence:07d}"


def yearly_number(year: int, sequence: int) -> str:
    """An invoice's accounting number: `2026-000123`."""
    return f"{year}-{sequence:06d}"


def highest_in_series(model: type[models.Model], series: str, field: str = "number") -> int:
    """The highest sequence among `model`'s numbers of the series (`UC-0100005` → 100005), 0 for none.
    Numbers written without the counter (imported, the demo) must never be overtaken from below.
    The seven digits are fixed-width, so the highest number is also the highest text."""
    rows = model._default_manager
    # Numbers are unique across organizations, so the highest is read over all of them, on purpose.
    every = rows.unscoped() if hasattr(rows, "unscoped") else rows.all()
    top = (
        every.filter(**{f"{field}__regex": rf"^{series}-[0-9]{{7}}$"})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    return int(top.rsplit("-", 1)[1]) if top else 0


def next_in_sequence(
    counter: type[models.Model], *, defaults: dict[str, Any] | None = None, at_least: int = 0, **key: Any
) -> int:
    """Increment the counter row `key` (created with `defaults` on first use) and return its new value,
    continuing after `at_least` when the counter is behind it (numbers that exist without it).

    The row is locked (`SELECT … FOR UPDATE`) until the surrounding transaction ends, so concurrent
    callers queue behind each other. Two first uses at once both try to insert the row; the loser's
    unique-constraint error is rolled back to its savepoint and it then locks the winner's row.
    """
    with transaction.atomic():
        rows = counter._default_manager
        try:
            with transaction.atomic():
                rows.get_or_create(defaults=defaults, **key)
        except IntegrityError:
            pass  # created by a concurrent transaction a moment ago
        row = rows.select_for_update().get(**key)
        row.last_number = max(row.last_number, at_least) + 1  # type: ignore[attr-defined]  # every counter model has it
        row.save(update_fields=["last_number"])
        return row.last_number  # type: ignore[attr-defined]  # every counter model has it
