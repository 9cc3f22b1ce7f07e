from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kabinet.organizations.middleware import SESSION_KEY


@login_required
@require_POST
def switch_organization(request):
    """Select another of the user's organizations without signing in again."""
    try:
        org_id = int(request.POST.get("organization", ""))
    except ValueError as exc:
        raise Http404 from exc
    if not any(m.organization_id == org_id for m in request.memberships):
        raise Http404
    request.session[SESSION_KEY] = org_id
    # Object pages of the previous organization would be 404s: go to the section, not the object.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/dashboard/"
    return HttpResponseRedirect(target)
