"""Reads of the organizations app: memberships, employees, invitations and the «История изменений»."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.core.prepared import Prepared
from kabinet.organizations.models import Invitation, Membership, Organization, SettlementAccount


def active_memberships(user) -> list[Membership]:
    """The memberships that give access to data: both the membership and the organization active."""
    return list(
        Membership.objects.unscoped()  # the user's own memberships, of every organization
        .filter(
            user=user,
            status=Membership.Status.ACTIVE,
            organization__status=Organization.Status.ACTIVE,
        )
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def _user_memberships_query(user_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.unscoped()  # the user's own memberships, of every organization
        .filter(user_id=user_id)
        .select_related("organization")
        .order_by("organization__name")
    )


def _members_query(org_id: int) -> QuerySet[Membership]:
    return Membership.objects.for_org_id(org_id).select_related("user").order_by("user__full_name", "pk")


# Compiled once per thread: building them in the ORM cost more than running them (the settings page).
_USER_MEMBERSHIPS = Prepared(_user_memberships_query)
_MEMBERS = Prepared(_members_query)


def user_memberships(user) -> list[Membership]:
    """Every membership of the user, whatever its status (the organizations page, the settings' list)."""
    return _USER_MEMBERSHIPS.objects(user_id=user.pk)


def members(org: Organization) -> list[Membership]:
    """The organization's employees (every status), by name."""
    return _MEMBERS.objects(org_id=org.pk)


def pending_invitations(org: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.for_org(org).filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation link's token (the token itself is only in the link)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token: str) -> Invitation | None:
    """A pending, unexpired invitation the link points at (None for a used, revoked or made-up link)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.unscoped()  # the link's token names the invitation, whatever its organization
        .select_related("organization")
        .filter(
            token_hash=invitation_token_hash(token), status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
        )
        .first()
    )


def pending_invitations_for(user) -> list[Invitation]:
    """The invitations waiting for this signed-in person (matched by the phone they confirmed)."""
    return list(
        Invitation.objects.unscoped()  # the person's own invitations, of every organization
        .select_related("organization")
        .filter(phone=user.phone, status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .order_by("created_at")
    )


def history_events(org: Organization, *, actor_id: int | None = None, action: str = "") -> QuerySet[AuditEvent]:
    """«История изменений»: the organization's audit events, newest first, by one person or of one kind."""
    events = AuditEvent.objects.for_org(org).select_related("actor")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    return events.order_by("-created_at", "-id")


def history_actions(org: Organization) -> QuerySet:
    """The kinds of change the organization's history has (the filter offers only these)."""
    # Without `order_by()` the model's ordering joins the DISTINCT and a kind repeats once per event.
    return AuditEvent.objects.for_org(org).order_by().values_list("action", flat=True).distinct()


def settlement_accounts(org) -> list[SettlementAccount]:
    """The organization's bank accounts, the default first (the payer the payment orders offer)."""
    return _SETTLEMENT_ACCOUNTS.objects(org_id=org.pk)


_SETTLEMENT_ACCOUNTS = Prepared(
    lambda org_id: SettlementAccount.objects.for_org_id(org_id).order_by("-is_default", "bank_name", "account")
)
