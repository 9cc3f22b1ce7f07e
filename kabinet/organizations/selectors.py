from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.organizations.models import Invitation, Membership, Organization


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


def user_memberships(user) -> QuerySet[Membership]:
    """Every membership of the user, whatever its status (the organizations page, the settings' list)."""
    return (
        Membership.objects.unscoped()  # the user's own memberships, of every organization
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def members(org: Organization) -> QuerySet[Membership]:
    """The organization's employees (every status), by name."""
    return Membership.objects.for_org(org).select_related("user").order_by("user__full_name", "pk")


def pending_invitations(org: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.for_org(org).filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


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
    return AuditEvent.objects.for_org(org).values_list("action", flat=True).distinct()
