"""One search box in the header: contracts (number, VIN, plate), documents and requests
of the selected organization, grouped.

The header renders the box statically (no query on every page); this view runs only when the user
types: three queries, one per group, whatever the number of matches (each group shows a few rows
and links to its list filtered by the same words).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kabinet.appeals.selectors import appeal_list
from kabinet.contracts.selectors import contract_list
from kabinet.core.access import OrgRequest, org_required
from kabinet.documents.selectors import search_org as document_search

PER_GROUP = 5
MIN_LENGTH = 2
MAX_LENGTH = 100


def _group(key: str, title, rows: list, url: str) -> dict:
    return {"key": key, "title": title, "rows": rows[:PER_GROUP], "more": len(rows) > PER_GROUP, "url": url}


@org_required
def header_search(request: OrgRequest) -> HttpResponse:
    q = " ".join((request.GET.get("q") or "").split())[:MAX_LENGTH]
    groups = []
    if len(q) >= MIN_LENGTH:
        org = request.org
        query = urlencode({"q": q})
        contracts = list(contract_list(org, None, q=q).select_related("product")[: PER_GROUP + 1])
        documents = list(
            document_search(org, q)
            .select_related("contract")
            .defer("text")
            .order_by("-document_date", "-id")[: PER_GROUP + 1]
        )
        appeals = list(appeal_list(org, q=q).select_related("topic")[: PER_GROUP + 1])
        groups = [
            _group("contracts", _("Contracts"), contracts, f"{reverse('contracts:list')}?{query}"),
            _group("documents", _("Documents"), documents, f"{reverse('documents:list')}?{query}"),
            _group("requests", _("Requests"), appeals, f"{reverse('appeals:list')}?{query}"),
        ]
    context = {
        "q": q,
        "groups": groups,
        "found": any(g["rows"] for g in groups),
        "too_short": 0 < len(q) < MIN_LENGTH,
    }
    if request.htmx:
        return render(request, "web/_search_results.html", context)
    return render(request, "web/search.html", context)
