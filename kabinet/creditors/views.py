from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from kabinet.core.files import serve_private_file
from kabinet.core.views import org_required
from kabinet.creditors.models import LeasingRulesEdition
from kabinet.creditors.selectors import SESSION_KEY, all_creditors


@login_required
@require_POST
def switch_creditor(request, pk: int):
    """Open another creditor's section of the portal."""
    if not any(c.pk == pk for c in all_creditors(request)):
        raise Http404
    request.session[SESSION_KEY] = pk
    return HttpResponseRedirect(reverse("contracts:dashboard"))


@org_required
def rules_download(request, pk: int):
    edition = get_object_or_404(LeasingRulesEdition, pk=pk)
    return serve_private_file(
        edition.file, edition.original_name or edition.file.name.rsplit("/", 1)[-1], "application/pdf"
    )
