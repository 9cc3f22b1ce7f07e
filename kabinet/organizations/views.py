"""The organizations page, switching the selected organization, and the invitations waiting for the
signed-in person (accept or decline)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts import selectors as account_selectors
from kabinet.accounts.models import Registration
from kabinet.core.access import KabinetRequest
from kabinet.core.net import Origin
from kabinet.organizations.middleware import SESSION_KEY
from kabinet.organizations.models import Invitation
from kabinet.organizations.selectors import pending_invitations_for, user_memberships
from kabinet.organizations.services import employees


@login_required
@require_POST
def switch_organization(request: KabinetRequest) -> HttpResponse:
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


@login_required
def organization_list(request: KabinetRequest) -> HttpResponse:
    """All the user's organizations with their status, and the requests waiting for approval."""
    memberships = user_memberships(request.user)
    registrations = account_selectors.registrations(
        request.user,
        statuses=[
            Registration.Status.AWAITING_ORG_ADMIN,
            Registration.Status.AWAITING_APPROVAL,
            Registration.Status.REJECTED,
        ],
    ).order_by("-created_at")[:20]
    return render(
        request,
        "organizations/list.html",
        {
            "memberships": memberships,
            "registrations": registrations,
            "invitations": pending_invitations_for(request.user),
            "section": "organizations",
        },
    )


@login_required
def invitations(request: KabinetRequest) -> HttpResponse:
    """«Приглашение в организацию …»: what others invited this person to; nothing changes until they answer."""
    return render(
        request,
        "organizations/invitations.html",
        {"invitations": pending_invitations_for(request.user), "section": "organizations"},
    )


@login_required
@require_POST
def invitation_answer(request: KabinetRequest, pk: int, answer: str) -> HttpResponse:
    """Accept or decline an invitation to one's own phone. The selected organization stays as it is."""
    origin = Origin.of(request)
    try:
        if answer == "accept":
            membership = employees.invitation_accept(user=request.user, invitation_id=pk, origin=origin)
            messages.success(
                request,
                _("You have joined %(org)s. Switch to it in the organization switcher.")
                % {"org": membership.organization.name},
            )
        else:
            employees.invitation_decline(user=request.user, invitation_id=pk, origin=origin)
            messages.success(request, _("The invitation is declined."))
    except Invitation.DoesNotExist:
        raise Http404 from None
    return redirect("organizations:invitations")
