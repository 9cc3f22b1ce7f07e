"""Telling the members of an organization: one Notification row per active member (read marks)."""

from __future__ import annotations

from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership


def notify_members(*, org, kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    user_ids = Membership.objects.filter(organization=org, status=Membership.Status.ACTIVE).values_list(
        "user_id", flat=True
    )
    return Notification.objects.bulk_create(
        Notification(organization=org, user_id=user_id, kind=kind, title=title[:255], body=body, link=link)
        for user_id in user_ids
    )
