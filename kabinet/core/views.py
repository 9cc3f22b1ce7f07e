"""View helpers shared by every client page."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that never counts more than `cap` rows (an exact count of a large list is a full scan).

    An exact `COUNT(*)` of a big search result costs far more than the page itself (55 ms against
    0.3 ms for a common word over 100,000 documents); counting stops at `cap + 1` rows instead:
    `SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)`, without the ORDER BY. `capped` tells the page to
    say «более …»; the pages end at the cap (narrow the search to see further).
    """

    def __init__(self, *args, cap: int = 1000, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        queryset = cast(QuerySet[Any], self.object_list)
        found = queryset.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


class DeferredJoinPaginator(Paginator):
    """Pages read as a deferred join: the page's keys first, from the index alone (`… WHERE pk IN
    (SELECT pk … ORDER BY … LIMIT 20 OFFSET n)`), then those rows. A deep page walks index entries
    instead of fetching and sorting every row before it. Still one query."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset = cast(QuerySet[Any], self.object_list)
        keys = queryset.values("pk")[bottom:top]
        return self._get_page(queryset.filter(pk__in=keys), number, self)  # type: ignore[attr-defined]  # not in the stubs


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    per_page: int | None = None,
    *,
    cap: int | None = None,
    deferred: bool = False,
) -> Page:
    """Server-side pagination; an out-of-range or malformed page number shows the nearest page.
    With `cap`, the count stops there (see `CappedPaginator`); `deferred` reads pages as a deferred join."""
    per_page = per_page or settings.KABINET_PAGE_SIZE
    if cap:
        paginator: Paginator = CappedPaginator(queryset, per_page, cap=cap)
    elif deferred:
        paginator = DeferredJoinPaginator(queryset, per_page)
    else:
        paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def page_numbers(page: Page, around: int = 2) -> list[int | None]:
    """`1 2 3 4 5 … 28`: page numbers with None standing for a gap."""
    total = page.paginator.num_pages
    current = page.number
    wanted = {1, total} | set(range(max(1, current - around), min(total, current + around) + 1))
    numbers: list[int | None] = []
    previous = 0
    for n in sorted(wanted):
        if n - previous > 1:
            numbers.append(None)
        numbers.append(n)
        previous = n
    return numbers
