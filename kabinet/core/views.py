"""View helpers shared by every client page."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.shortcuts import render


def org_required(view):
    """Signed in and with an organization selected; otherwise a page that says why there is no data."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.org is None:
            return render(request, "core/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def paginate(request, queryset, per_page: int | None = None) -> Page:
    """Server-side pagination; an out-of-range or malformed page number shows the nearest page."""
    paginator = Paginator(queryset, per_page or settings.KABINET_PAGE_SIZE)
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
