"""The organizations' part of the header cache (the mechanism is `kabinet.core.header_cache`): a user's
active memberships and the invitations waiting for them, and what a write of a membership, an
organization or an invitation invalidates."""

from __future__ import annotations

from django.utils import timezone

from kabinet.core.header_cache import cached, phone_scope, track, user_scope, users_of_queryset, users_of_rows
from kabinet.organizations.models import Invitation, Membership, Organization
from kabinet.organizations.selectors import active_memberships, pending_invitations_for


def memberships(user) -> list:
    return cached("mem", user_scope(user.pk), lambda: active_memberships(user), user.pk)


def pending_invitations(user) -> list:
    """The invitations waiting for this signed-in person (by the phone they confirmed), cached per phone;
    one that expired since is dropped when read."""
    found = cached("inv", phone_scope(user.phone), lambda: pending_invitations_for(user), user.pk)
    now = timezone.now()
    return [i for i in found if i.expires_at > now]


def _scopes_of_orgs(org_ids) -> set[str]:
    org_ids = list(org_ids)
    users = Membership.objects.filter(organization_id__in=org_ids).values_list("user_id", flat=True)
    phones = Invitation.objects.filter(organization_id__in=org_ids, status="pending").values_list("phone", flat=True)
    return {user_scope(uid) for uid in users} | {phone_scope(p) for p in phones}


def connect() -> None:
    track(Membership, rows=users_of_rows, queryset=users_of_queryset)
    track(
        Organization,
        rows=lambda rows: _scopes_of_orgs([r.pk for r in rows if r.pk]),
        queryset=lambda qs: _scopes_of_orgs(qs.order_by().values_list("pk", flat=True)),
    )
    track(
        Invitation,
        rows=lambda rows: {phone_scope(r.phone) for r in rows if r.phone},
        queryset=lambda qs: {phone_scope(p) for p in qs.order_by().values_list("phone", flat=True).distinct()},
    )
