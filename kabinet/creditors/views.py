"""Switching the creditor section of the header, and downloading an edition of a creditor's leasing rules."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from kabinet.core.access import KabinetRequest, OrgRequest, org_required
from kabinet.core.files import serve_private_file
from kabinet.creditors.middleware import SESSION_KEY
from kabinet.creditors.models import LeasingRulesEdition


@login_required
@require_POST
def switch_creditor(request: KabinetRequest, pk: int) -> HttpResponse:
    """Open another creditor's section of the portal."""
    if not any(c.pk == pk for c in request.creditors):
        raise Http404
    request.session[SESSION_KEY] = pk
    return HttpResponseRedirect(reverse("contracts:dashboard"))


@org_required
def rules_download(request: OrgRequest, pk: int) -> HttpResponseBase:
    edition = get_object_or_404(LeasingRulesEdition, pk=pk)
    return serve_private_file(
        edition.file, edition.original_name or (edition.file.name or "").rsplit("/", 1)[-1], "application/pdf"
    )
