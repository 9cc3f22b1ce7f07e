from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kabinet.contracts import selectors as contract_selectors
from kabinet.contracts.models import Contract
from kabinet.core.access import OrgRequest, org_required
from kabinet.core.files import bytes_response, serve_private_file
from kabinet.core.net import Origin
from kabinet.core.views import page_numbers, paginate
from kabinet.invoices import figures, selectors, services
from kabinet.invoices.models import Invoice


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
            invoice = services.invoice_issue_for_payment(
                org=request.org, payment_id=payment_id, actor=request.user, origin=Origin.of(request)
            )
        except services.NothingToInvoice:
            raise Http404 from None
        return _issued(request, invoice)
    due = figures.payment_due(request.org, payment_id)
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


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def debt_invoice(request: OrgRequest, contract_id: int) -> HttpResponse:
    """«Счёт на оплату задолженности» of a contract's overdue debt: POST issues, GET shows."""
    if request.method == "POST":
        try:
            invoice = services.invoice_issue_for_debt(
                org=request.org, contract_id=contract_id, actor=request.user, origin=Origin.of(request)
            )
        except services.NothingToInvoice:
            raise Http404 from None
        return _issued(request, invoice)
    contract = contract_selectors.contract_card(request.org, contract_id)
    debt = figures.debt_lines(request.org, contract)
    if not debt:
        raise Http404
    lines = [
        {
            "text": _("Penalties")
            if d.is_penalty
            else (
                _("Overdue, VAT %(rate)s %%") % {"rate": services._rate(d.rate)}
                if d.rate is not None
                else _("Overdue, no VAT")
            ),
            "amount": d.amount,
            "vat": d.vat,
        }
        for d in debt
    ]
    invoices = list(selectors.invoice_list(request.org, contract_id=contract.pk).filter(kind=Invoice.Kind.DEBT)[:10])
    return _issue_page(
        request,
        title=_("Invoice for the debt"),
        contract=contract,
        lines=lines,
        total=sum((d.amount for d in debt), Decimal("0")),
        invoices=invoices,
    )


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


@org_required
@require_safe
def invoice_list(request: OrgRequest) -> HttpResponse:
    """«Счета на оплату»: every issued invoice with its status today (актуален / оплачен / аннулирован)."""
    contract = None
    contract_param = request.GET.get("contract", "")
    if contract_param.isdigit():
        contract = contract_selectors.contract_label(request.org, int(contract_param))
    page = paginate(request, selectors.invoice_list(request.org, contract_id=contract.pk if contract else None))
    page.object_list = selectors.with_status(request.org, list(page.object_list))
    return render(
        request,
        "invoices/invoice_list.html",
        {"page": page, "page_numbers": page_numbers(page), "contract": contract, "section": "contracts"},
    )
