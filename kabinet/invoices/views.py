from __future__ import annotations

from django.utils.translation import gettext as _

from kabinet.core.files import bytes_response
from kabinet.core.models import get_object_for_org
from kabinet.core.views import org_required
from kabinet.invoices import services
from kabinet.invoices.models import Invoice


def _pdf(invoice: Invoice):
    filename = _("Invoice No. %(number)s.pdf") % {"number": invoice.number}
    return bytes_response(services.invoice_pdf(invoice), filename, "application/pdf")


@org_required
def payment_invoice(request, payment_id: int):
    """«Счёт на оплату» of a scheduled payment: the same payment gives the same invoice."""
    return _pdf(services.invoice_for_payment(org=request.org, payment_id=payment_id))


@org_required
def debt_invoice(request, contract_id: int):
    """«Счёт на оплату задолженности» of a contract's overdue debt."""
    return _pdf(services.invoice_for_debt(org=request.org, contract_id=contract_id))


@org_required
def invoice_download(request, pk: int):
    invoice = get_object_for_org(
        Invoice.objects.select_related("creditor", "organization", "contract"), request.org, pk=pk
    )
    return _pdf(invoice)
