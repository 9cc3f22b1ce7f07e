"""Reads of issued invoices: the list, and each one's status computed from the books at read time."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kabinet.core.access import get_object_for_org
from kabinet.invoices import figures
from kabinet.invoices.models import Invoice


class InvoiceStatus(models.TextChoices):
    CURRENT = "current", _("Invoice is current")
    PAID = "paid", _("Invoice is paid")
    ANNULLED = "annulled", _("Invoice is annulled")


def invoice_list(org, *, contract_id: int | None = None) -> QuerySet:
    invoices = Invoice.objects.for_org(org).select_related("contract")
    if contract_id:
        invoices = invoices.filter(contract_id=contract_id)
    return invoices.defer("snapshot").order_by("-issued_on", "-sequence")


def issued_invoice(org, pk: int) -> Invoice:
    """One issued invoice of the organization, what its download needs (no snapshot unless it is rendered)."""
    return get_object_for_org(Invoice.objects.only("pk", "organization_id", "number", "pdf"), org, pk=pk)


def _status(invoice: Invoice, still_due: Decimal | None) -> str:
    if still_due is None:
        return InvoiceStatus.ANNULLED  # the books removed the line
    if still_due <= 0:
        return InvoiceStatus.PAID
    return InvoiceStatus.CURRENT if still_due == invoice.amount else InvoiceStatus.ANNULLED


def with_status(org, invoices: list[Invoice]) -> list[Invoice]:
    """Set `status` and `status_label` on each invoice: актуален (still asks for what is due),
    оплачен (what it asked for is paid), аннулирован (the books changed or removed it; a new
    invoice asks for the new figure). Two queries for any number of invoices; the invoice itself
    is never rewritten."""
    payment_ids = [i.payment_id for i in invoices if i.kind == Invoice.Kind.PAYMENT and i.payment_id]
    contract_ids = list({i.contract_id for i in invoices if i.kind == Invoice.Kind.DEBT})
    outstanding = figures.outstanding_by_payment(org, payment_ids) if payment_ids else {}
    overdue = figures.overdue_by_contract(org, contract_ids) if contract_ids else {}
    for invoice in invoices:
        if invoice.kind == Invoice.Kind.PAYMENT:
            due = outstanding.get(invoice.payment_id) if invoice.payment_id else None
        else:
            due = overdue.get(invoice.contract_id, Decimal("0"))
        invoice.status = _status(invoice, due)
        invoice.status_label = str(InvoiceStatus(invoice.status).label)
    return invoices
