from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.appeals.models import AppealTopic
from kabinet.core.files import serve_private_file
from kabinet.core.views import org_required
from kabinet.creditors.models import LeasingRulesEdition, Product
from kabinet.creditors.selectors import SESSION_KEY, all_creditors, current_creditor
from kabinet.invoices import qr


@login_required
@require_POST
def switch_creditor(request, pk: int):
    """Open another creditor's section of the portal."""
    if not any(c.pk == pk for c in all_creditors(request)):
        raise Http404
    request.session[SESSION_KEY] = pk
    return HttpResponseRedirect(reverse("contracts:dashboard"))


@org_required
def reference(request):
    """«Справочники»: requisites with a free-sum payment QR, memo, rules, templates, products, contacts."""
    creditor = current_creditor(request)
    if creditor is None:
        raise Http404
    payload = qr.payment_payload(
        name=creditor.name,
        account=creditor.settlement_account,
        bank_name=creditor.bank_name,
        bic=creditor.bic,
        correspondent_account=creditor.correspondent_account,
        payee_inn=creditor.inn,
        kpp=creditor.kpp,
        amount=None,
        purpose=_("Payment under leasing contract No. ___"),
        payer_inn=request.org.inn,
    )
    return render(
        request,
        "creditors/reference.html",
        {
            "c": creditor,
            "qr": qr.qr_svg_data_uri(payload, scale=4),
            "rules": LeasingRulesEdition.objects.filter(creditor=creditor).order_by("-effective_from"),
            "templates": AppealTopic.objects.filter(is_active=True).exclude(template="").order_by("kind", "position"),
            "products": Product.objects.filter(creditor=creditor).order_by("position", "name"),
            "section": "reference",
        },
    )


@org_required
def rules_download(request, pk: int):
    edition = get_object_or_404(LeasingRulesEdition, pk=pk)
    return serve_private_file(
        edition.file, edition.original_name or edition.file.name.rsplit("/", 1)[-1], "application/pdf"
    )


@org_required
def template_download(request, pk: int):
    topic = get_object_or_404(AppealTopic.objects.exclude(template=""), pk=pk, is_active=True)
    name = topic.template.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1] if "." in name else "pdf"
    return serve_private_file(topic.template, f"{topic.name}.{extension}")
