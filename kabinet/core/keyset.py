"""Keyset pages («Показать еще») over a (date, id) order: no COUNT and no OFFSET.

A page is the rows after the cursor of the previous one, read in one query of `limit + 1` rows (the
extra row only says whether there is more). The cursor is "<date>_<id>" of the page's last row, so a
page never repeats or skips a row, even when rows are added or removed between the requests, and
its cost is that of the rows it shows, not of everything that matches before it.

Used by the main page's payment calendar (due date, ascending) and the documents' word search
(document date, newest or oldest first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

CURSOR_MAX = 40  # "<YYYY-MM-DD>_<id>" fits with room to spare; anything longer is not a cursor


@dataclass
class KeysetPage:
    """One page: its rows, the cursor of the next page ("" when this is the last), the cursor it
    started after ("" for the first page)."""

    object_list: list[Any]
    next_cursor: str
    after: str = ""
    keyset: bool = field(default=True, init=False)  # the templates tell it from a numbered page by this

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def rows(self) -> list[Any]:
        return self.object_list


def cursor_of(row: Any, date_field: str) -> str:
    return f"{getattr(row, date_field).isoformat()}_{row.pk}"


def parse_cursor(after: str) -> tuple[date, int] | None:
    """The (date, id) of a cursor, or None for anything else (a bad cursor shows the first page)."""
    try:
        day, pk = (after or "")[:CURSOR_MAX].split("_", 1)
        return date.fromisoformat(day), int(pk)
    except (ValueError, TypeError):
        return None


def keyset_page(
    queryset: QuerySet[Any], date_field: str, *, after: str = "", limit: int, descending: bool = False
) -> KeysetPage:
    """The rows of `queryset` after the cursor `after` in (date_field, id) order, ascending or
    descending, at most `limit` of them. The queryset's own ordering is replaced by that order."""
    position = parse_cursor(after)
    if position:
        queryset = beyond_cursor(queryset, date_field, *position, descending=descending)
    rows = list(keyset_order(queryset, date_field, descending=descending)[: limit + 1])
    return page_of(rows, limit, lambda row: cursor_of(row, date_field), after=after if position else "")


def beyond_cursor(
    queryset: QuerySet[Any], date_field: str, day: date, pk: int, *, descending: bool = False
) -> QuerySet[Any]:
    """The rows after the position (day, pk) in (date_field, id) order."""
    beyond = "lt" if descending else "gt"
    # The redundant bound on the date alone is an index condition: the scan starts at the cursor
    # instead of filtering its way there through every row before it.
    return queryset.filter(
        Q(**{f"{date_field}__{beyond}e": day})
        & (Q(**{f"{date_field}__{beyond}": day}) | Q(**{date_field: day, f"pk__{beyond}": pk}))
    )


def keyset_order(queryset: QuerySet[Any], date_field: str, *, descending: bool = False) -> QuerySet[Any]:
    return queryset.order_by(*([f"-{date_field}", "-id"] if descending else [date_field, "id"]))


def page_of(rows: list[Any], limit: int, cursor: Callable[[Any], str], *, after: str = "") -> KeysetPage:
    """The page of the `limit + 1` rows read after the cursor `after` (the extra row only says there is more)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(object_list=rows, next_cursor=cursor(rows[-1]) if more and rows else "", after=after)
