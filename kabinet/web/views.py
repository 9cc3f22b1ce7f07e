"""«Справочники»: the creditor's requisites with a free-sum payment QR, its rules and products, and
the request templates of the appeals app, on one page (a top-floor page: it reads creditors and appeals)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kabinet.appeals import selectors as appeal_selectors
from kabinet.core import qr
from kabinet.core.access import OrgRequest, org_required
from kabinet.creditors import selectors


@org_required
def reference(request: OrgRequest) -> HttpResponse:
    """«Справочники»: requisites with a free-sum payment QR, memo, rules, templates, products, contacts."""
    creditor = request.creditor
    if creditor is None:
        raise Http404
    payload = qr.payee_payload(
        creditor.payee(), amount=None, purpose=_("Payment under leasing contract No. ___"), payer_inn=request.org.inn
    )
    return render(
        request,
        "creditors/reference.html",
        {
            "c": creditor,
            "qr": qr.qr_svg_data_uri(payload, scale=4),
            "rules": selectors.rules_editions(creditor),
            "templates": appeal_selectors.downloadable_templates(),
            "products": selectors.products(creditor),
            "section": "reference",
        },
    )
