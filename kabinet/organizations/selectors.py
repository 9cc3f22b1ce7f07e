from __future__ import annotations

from kabinet.organizations.models import Membership, Organization


def active_memberships(user) -> list[Membership]:
    """The memberships that give access to data: both the membership and the organization active."""
    return list(
        Membership.objects.filter(
            user=user,
            status=Membership.Status.ACTIVE,
            organization__status=Organization.Status.ACTIVE,
        )
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
