from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.contracts import exports, ledger, selectors
from kabinet.contracts.buyout import buyout_for
from kabinet.contracts.forms import ContractFilterForm
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core.access import OrgRequest, org_required
from kabinet.core.files import bytes_response
from kabinet.core.formatting import format_date, format_money
from kabinet.core.links import id_reverser, reverse_id
from kabinet.core.views import page_numbers
from kabinet.core.xlsx import XLSX
from kabinet.creditors import header_cache
from kabinet.creditors.selectors import rules_editions, section_filter

CALENDAR_STEP = 10
DEBT_STEP = 10


@org_required
def dashboard(request: OrgRequest) -> HttpResponse:
    """«Главная»: the payment calendar and the overdue debt's contracts, each in keyset pages of ten
    («Показать еще» appends the next page in place with htmx; without JS it is a plain link)."""
    creditor = section_filter(request)
    debt_after = request.GET.get("debt_after", "")[:60]
    contract_url = id_reverser("contracts:detail")
    if request.htmx and debt_after:
        debt = ledger.org_debt(request.org, creditor, after=debt_after, limit=DEBT_STEP)
        return render(
            request,
            "contracts/dashboard.html#debt_more",
            {"debt": debt, "contract_url": contract_url, "debt_invoice_url": id_reverser("invoices:debt")},
        )
    after = request.GET.get("after", "")[:40]
    page = ledger.calendar_page(request.org, creditor, after=after, limit=CALENDAR_STEP)
    context: dict[str, Any] = {
        "payments": page.rows,
        "next_cursor": page.next_cursor,
        "section": "dashboard",
        # The rows' links, each name's shape looked up once for the page.
        "contract_url": contract_url,
        "payment_invoice_url": id_reverser("invoices:payment"),
    }
    if request.htmx and after:
        return render(request, "contracts/dashboard.html#calendar_more", context)
    section = request.creditor
    context.update(
        data_as_of=selectors.data_as_of(request.org),
        debt=ledger.org_debt(request.org, creditor, after=debt_after, limit=DEBT_STEP),
        debt_after=debt_after,
        debt_invoice_url=id_reverser("invoices:debt"),
        info_creditor=section,
        appeal_cards=[
            ("new_leasing", _("New leasing request"), _("Get equipment in leasing")),
            ("contract", _("Contract appeal"), _("Service of current contracts")),
            ("insurance", _("Insurance appeal"), _("Service of current contracts")),
        ],
        rules=list(rules_editions(section)) if section else [],
    )
    return render(request, "contracts/dashboard.html", context)


def _contract_filters(request: OrgRequest) -> tuple[ContractFilterForm, dict[str, Any], Any]:
    """The list's filters from the URL (and the creditor section), shared by the page and its Excel export."""
    creditor = section_filter(request)
    products = header_cache.products(request.creditor)
    form = ContractFilterForm(request.GET or None, products=products)
    filters = form.filters() if request.GET else {"q": "", "product_id": None, "status": ""}
    return form, filters, creditor


# A number no row has: the card's URL reversed with it once per page gives the shape of every row's link.
_STAND_IN = 7306419852


def _rows(contracts: list[Any]) -> list[Any]:
    """The page's contracts with their card's link (reversed once for the page, not once per row) and the
    next payment's date as the page prints it (`d.m.Y`)."""
    head, _found, tail = reverse_id("contracts:detail", _STAND_IN).partition(str(_STAND_IN))
    for contract in contracts:
        contract.detail_url = f"{head}{contract.pk}{tail}"
        day = contract.next_due_date
        contract.next_due_text = f"{day.day:02d}.{day.month:02d}.{day.year:04d}" if day else ""
    return contracts


@org_required
def contract_list(request: OrgRequest) -> HttpResponse:
    """«Договоры»: status, number, type, next payment, amount; filters, search, pages in the URL."""
    form, filters, creditor = _contract_filters(request)
    # The rows of `selectors.contract_list(...)`, counted and read a page at a time (a deferred join).
    pages = selectors.ContractPages(request.org, creditor, **filters)
    page: Page = Paginator(cast(Any, pages), settings.KABINET_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _rows(ledger.with_next_payment(request.org, list(page.object_list)))
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page),
        "filtered": any(filters.values()),
        "section": "contracts",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "contracts/contract_list.html#results", context)
    return render(request, "contracts/contract_list.html", context)


@org_required
def calendar_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Платёжный календарь» of the main page as Excel, in the creditor section (a GET that writes nothing)."""
    return exports.calendar_xlsx(request.org, section_filter(request))


@org_required
def debt_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Просроченная задолженность» of the main page as Excel, in the creditor section (writes nothing)."""
    return exports.debt_xlsx(request.org, section_filter(request))


@org_required
def contract_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Договоры» as Excel, with the filters of the page (a GET that writes nothing)."""
    _form, filters, creditor = _contract_filters(request)
    return exports.contract_list_xlsx(request.org, selectors.contract_list(request.org, creditor, **filters))


TABS = {
    "main": (_("Main"), "contracts:detail"),
    "items": (_("Leased items"), "contracts:items"),
    "deal-documents": (_("Deal documents"), "documents:contract_deal_documents"),
    "accounting-documents": (_("Accounting documents"), "documents:contract_accounting_documents"),
    "insurance": (_("Insurance"), "contracts:insurance"),
}
# The documents tabs are drawn by kabinet.documents.views.contract_documents_tab (a floor above), on this card.


def card_contract(request: OrgRequest, pk: int) -> Contract:
    return selectors.contract_card(request.org, pk)


@org_required
def contract_detail(request: OrgRequest, pk: int, tab: str = "main") -> HttpResponse:
    """The contract card (§5.2): tabs above (each an htmx fragment with its own URL), the schedule below."""
    if tab not in TABS:
        raise Http404
    contract = card_contract(request, pk)
    context = card_context(request, contract, tab)
    if tab == "main":
        context["ledger"] = ledger.contract_card(contract, today=context["today"])
        context["items_count"] = selectors.items_count(request.org, contract)
        context.update(_buyout(request, contract, context["today"]))
    elif tab == "items":
        context["items"] = selectors.contract_items(request.org, contract)
    elif tab == "insurance":
        context["policies"] = selectors.insurance_policies(request.org, contract)
    return card_response(request, contract, context)


def card_context(request: OrgRequest, contract: Contract, tab: str) -> dict[str, Any]:
    """What every tab of the card needs (the tab's own rows are added by its view)."""
    return {
        "contract": contract,
        "tab": tab,
        "today": timezone.localdate(),
        "section": "contracts",
        "tab_links": [(key, label, reverse_id(name, contract.pk)) for key, (label, name) in TABS.items()],
        "tab_url": reverse_id(TABS[tab][1], contract.pk),
        "contract_pk_text": str(contract.pk),
    }


def card_response(request: OrgRequest, contract: Contract, context: dict[str, Any]) -> HttpResponse:
    """The tab alone for htmx, else the whole card with the schedule below it."""
    if request.htmx and not request.htmx.boosted:
        return render(request, "contracts/contract_detail.html#tab", context)
    card = context.get("ledger") or ledger.contract_card(contract, today=context["today"])
    context["schedule"] = card.lines
    context["next_payment"] = next_line = card.next_line
    context["has_unpaid"] = bool(card.unpaid_lines)
    context["schedule_years"] = schedule_years(card.lines, next_line)
    return render(request, "contracts/contract_detail.html", context)


class ScheduleYear(NamedTuple):
    year: int
    size: int  # how many lines
    paid: int  # how many of its lines the ledger marked paid
    # Each line as the table prints it: (number, due date, amount, VAT, paid or "", paid on or "", status, next?).
    rows: list[tuple[int, str, str, str, str, str, str, bool]]


def schedule_years(lines: list[ScheduledPayment], next_line: ScheduledPayment | None) -> list[ScheduleYear]:
    """The schedule grouped by the year of its due dates (years in order, lines in the ledger's order), each
    line's figures and dates written as the portal writes them (`format_money`, `format_date`): the table
    prints them as they are, with no filter per cell."""
    by_year: dict[int, list[ScheduledPayment]] = {}
    for line in lines:
        by_year.setdefault(line.due_date.year, []).append(line)
    next_pk = next_line.pk if next_line is not None else None
    years = []
    for year in sorted(by_year):
        rows = []
        paid = 0
        for p in by_year[year]:
            due = p.due_date
            status = p.status
            if status == "paid":
                paid += 1
            rows.append(
                (
                    p.number,
                    f"{due.day:02}.{due.month:02}.{due.year:04}",
                    format_money(p.amount, ""),
                    format_money(p.vat, ""),
                    format_money(p.paid_amount, "") if p.paid_amount else "",
                    format_date(p.paid_date) if p.paid_date else "",
                    status,
                    p.pk == next_pk,
                )
            )
        years.append(ScheduleYear(year, len(rows), paid, rows))
    return years


def _buyout(request: OrgRequest, contract: Contract, today: date) -> dict[str, Any]:
    """Early buyout on the card: the value for the date the client picks (today by default), or why
    that date cannot be quoted."""
    answer = buyout_for(contract, request.GET.get("buyout_on", ""), today)
    return {"buyout": answer, "buyout_on": answer.day if answer else today}


@org_required
def schedule_xlsx(request: OrgRequest, pk: int) -> HttpResponse:
    contract = card_contract(request, pk)
    content = exports.schedule_xlsx(contract, ledger.contract_ledger(contract))
    filename = _("Schedule %(number)s.xlsx") % {"number": contract.number}
    return bytes_response(content, filename, XLSX)


@org_required
def schedule_ics(request: OrgRequest, pk: int) -> HttpResponse:
    contract = card_contract(request, pk)
    card = ledger.contract_ledger(contract)
    if not card.unpaid_lines:
        raise Http404  # nothing left to pay: no empty calendar
    content = exports.schedule_ics(contract, card.unpaid_lines)
    filename = _("Payments %(number)s.ics") % {"number": contract.number}
    return bytes_response(content, filename, "text/calendar; charset=utf-8")
