"""«Счёт на оплату» pages: issue an invoice for a schedule line or the overdue debt, the list, downloads of
the PDF rendered once at issue. See docs/architecture.md (the request and write paths)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kabinet.contracts import ledger
from kabinet.contracts import selectors as contract_selectors
from kabinet.contracts.models import Contract
from kabinet.core.access import OrgRequest, org_required
from kabinet.core.files import bytes_response, serve_private_file
from kabinet.core.net import Origin
from kabinet.core.views import page_numbers, paginate
from kabinet.creditors.selectors import section_filter
from kabinet.invoices import exports, selectors, services
from kabinet.invoices.forms import InvoiceFilterForm
from kabinet.invoices.models import Invoice
from kabinet.organizations import selectors as organization_selectors


def _issued(request: OrgRequest, invoice: Invoice) -> HttpResponse:
    """After issuing: go to the PDF (a GET that only reads). htmx follows with a full navigation."""
    url = reverse("invoices:download", args=[invoice.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url, permanent=False)


def _issue_page(
    request: OrgRequest,
    *,
    title: str,
    contract: Contract,
    lines: list[dict[str, Any]],
    total: Decimal,
    invoices: list[Invoice],
) -> HttpResponse:
    """The page a GET of an issue URL shows (a link preview, no JS, a bookmark): what would be issued,
    the invoices already issued for it, and the button. It writes nothing."""
    selectors.with_status(request.org, invoices)
    current = next((i for i in invoices if i.status == selectors.InvoiceStatus.CURRENT), None)
    return render(
        request,
        "invoices/issue.html",
        {
            "title": title,
            "contract": contract,
            "lines": lines,
            "total": total,
            "invoices": invoices,
            "current": current,
            "section": "contracts",
        },
    )


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def payment_invoice(request: OrgRequest, payment_id: int) -> HttpResponse:
    """«Счёт на оплату» of a scheduled payment: POST issues it (the same payment and amount give the
    same invoice); GET only shows what the button would issue."""
    if request.method == "POST":
        try:
            invoice = services.payment_invoice_issue(
                org=request.org, payment_id=payment_id, actor=request.user, origin=Origin.of(request)
            )
        except services.NothingToInvoice:
            raise Http404 from None
        return _issued(request, invoice)
    due = selectors.payment_due(request.org, payment_id)
    if due is None:
        raise Http404
    payment = due.payment
    invoices = list(selectors.invoice_list(request.org).filter(payment=payment, kind=Invoice.Kind.PAYMENT))
    text = _("Payment No. %(n)s of %(date)s") % {"n": payment.number, "date": f"{payment.due_date:%d.%m.%Y}"}
    line: dict[str, Any] = {"text": text}
    line.update(amount=due.amount, vat=due.vat, rate=due.vat_rate)
    return _issue_page(
        request,
        title=_("Invoice for a payment"),
        contract=payment.contract,
        lines=[line],
        total=due.amount,
        invoices=invoices,
    )


def _debt_item_text(item) -> str:
    if item.kind == ledger.BOOKS:  # the books' residual (docs/ledger-rules.md, B5)
        values = {"date": date_format(item.on, "d.m.Y") if item.on else ""}
        if item.amount > 0:
            text = _("Not itemized by the books as of %(date)s") % values
        else:
            text = _("Reduction by the books as of %(date)s") % values
        if item.rate is not None:
            text += ", " + _("VAT %(rate)s %%") % {"rate": services._rate(item.rate)}
        return text
    if item.kind == ledger.PENALTY:
        text = _("Penalties")
    elif item.kind == ledger.ADJUSTMENT:
        text = _("Adjustment")
    elif item.rate is not None:
        text = _("Overdue, VAT %(rate)s %%") % {"rate": services._rate(item.rate)}
    else:
        text = _("Overdue, no VAT")
    return f"{text} ({item.basis})" if item.basis else text


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def debt_invoice(request: OrgRequest, contract_id: int) -> HttpResponse:
    """«Счёт на оплату задолженности» of a contract's overdue debt: POST issues, GET shows."""
    if request.method == "POST":
        try:
            invoice = services.debt_invoice_issue(
                org=request.org, contract_id=contract_id, actor=request.user, origin=Origin.of(request)
            )
        except services.NothingToInvoice:
            raise Http404 from None
        return _issued(request, invoice)
    contract = contract_selectors.contract_card(request.org, contract_id)
    debt = selectors.debt_items(request.org, contract)
    if not debt:
        raise Http404
    lines = [{"text": _debt_item_text(d), "amount": d.amount, "vat": d.vat} for d in debt]
    invoices = list(selectors.invoice_list(request.org, contract_id=contract.pk).filter(kind=Invoice.Kind.DEBT)[:10])
    return _issue_page(
        request,
        title=_("Invoice for the debt"),
        contract=contract,
        lines=lines,
        total=sum((d.amount for d in debt), Decimal("0")),
        invoices=invoices,
    )


def _ids(request: OrgRequest, name: str) -> list[int]:
    """The ticked rows' ids; a hand-made value that is no id is a 404 like another organization's row."""
    values = request.POST.getlist(name)
    if not all(v.isdigit() for v in values):
        raise Http404
    return [int(v) for v in values]


@org_required
@require_safe
def payment_orders_accounts(request: OrgRequest) -> HttpResponse:
    """The bar's choice of the payer account, fetched after the page (the list pages keep their query
    budget; without JS the default account pays)."""
    accounts = organization_selectors.settlement_accounts(request.org)
    return render(request, "invoices/_payment_orders_accounts.html", {"bank_accounts": accounts})


@org_required
@require_POST
def payment_orders(request: OrgRequest) -> HttpResponseBase:
    """«Платёжные поручения для банка»: the ticked rows (calendar lines, contracts in debt, issued invoices)
    as one 1CClientBankExchange file; un-issued rows get their invoices first. A refusal goes back to the
    page with its reason in words; another organization's row is a 404."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("contracts:dashboard")
    account = request.POST.get("account", "")
    try:
        content, _count = services.payment_orders_for_rows(
            org=request.org,
            payment_ids=_ids(request, "payment"),
            contract_ids=_ids(request, "contract"),
            invoice_ids=_ids(request, "invoice"),
            account_id=int(account) if account.isdigit() else None,
            actor=request.user,
            origin=Origin.of(request),
        )
    except services.NothingToInvoice:
        raise Http404 from None
    except services.PaymentOrdersRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    filename = _("Payment orders %(date)s.txt") % {"date": f"{timezone.localdate():%d.%m.%Y}"}
    return bytes_response(content, filename, "text/plain; charset=windows-1251")


@org_required
@require_safe
def invoice_download(request: OrgRequest, pk: int) -> HttpResponseBase:
    """The issued PDF as a file: read from storage, never rendered again, never written."""
    invoice = selectors.issued_invoice(request.org, pk)
    filename = _("Invoice No. %(number)s.pdf") % {"number": invoice.number}
    if invoice.pdf:
        try:
            return serve_private_file(invoice.pdf, filename, "application/pdf")
        except FileNotFoundError:
            pass  # lost from storage: rendered from the snapshot below, still without writing
    return bytes_response(services.invoice_pdf(invoice), filename, "application/pdf")


def _filtered_invoices(request: OrgRequest) -> tuple[InvoiceFilterForm, Contract | None, QuerySet[Invoice]]:
    """The list's filters from the URL (contract, status, period) in the creditor section open in the
    header, shared by the page and its Excel export."""
    creditor = section_filter(request)
    contracts = contract_selectors.contract_list(request.org, creditor).order_by("number").values_list("pk", "number")
    form = InvoiceFilterForm(request.GET or None, contracts=contracts)
    filters = form.filters() if request.GET else dict.fromkeys(("contract", "status", "issued_from", "issued_to"))
    contract = None
    raw = request.GET.get("contract", "")
    if raw.isdigit():
        # Another organization's contract is a 404, never an empty list that confirms it exists.
        contract = contract_selectors.contract_label(request.org, int(raw))
    invoices = selectors.invoice_list(
        request.org,
        contract_id=contract.pk if contract else None,
        creditor=creditor,
        status=filters["status"],
        issued_from=filters["issued_from"],
        issued_to=filters["issued_to"],
    )
    return form, contract, invoices


@org_required
@require_safe
def invoice_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Выставленные счета» as Excel, with the filter of the page (a GET that writes nothing)."""
    return exports.invoice_list_xlsx(request.org, _filtered_invoices(request)[2])


@org_required
@require_safe
def invoice_list(request: OrgRequest) -> HttpResponse:
    """«Счета на оплату»: every issued invoice with its status today (актуален / оплачен / аннулирован)."""
    form, contract, invoices = _filtered_invoices(request)
    page = paginate(request, invoices)
    page.object_list = selectors.with_status(request.org, list(page.object_list))
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page),
        "contract": contract,
        # Reached from «Документы» (and a contract's card): the menu shows where the list lives.
        "section": "documents",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "invoices/invoice_list.html#results", context)
    return render(request, "invoices/invoice_list.html", context)
