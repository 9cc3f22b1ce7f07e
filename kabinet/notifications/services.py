"""Telling people: one Notification row per active member (read marks), and e-mail for the types each
member chose, sent by background tasks after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.messaging.email import email_later
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership


def wants_email(user, kind: str) -> bool:
    if not user.email:
        return False
    return kind in user.email_notification_kinds if user.email_notifications_set else True


def notify_members(*, org, kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    members = list(Membership.objects.filter(organization=org, status=Membership.Status.ACTIVE).select_related("user"))
    notifications = Notification.objects.bulk_create(
        Notification(organization=org, user=m.user, kind=kind, title=title[:255], body=body, link=link) for m in members
    )
    recipients = [m.user.email for m in members if wants_email(m.user, kind)]
    if recipients:
        for address in recipients:
            email_later(
                to=address,
                template="notification",
                context={
                    "title": title,
                    "body": body,
                    "organization": org,
                    "link": f"{settings.PORTAL_URL.rstrip('/')}{link}" if link else settings.PORTAL_URL,
                },
            )
    return notifications


def notify_administrators(*, org, kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Tell only the organization's active administrators in the portal (e.g. a request to join, which
    only they decide; they also get its own e-mail, so none is sent here)."""
    admins = Membership.objects.filter(
        organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).values_list("user_id", flat=True)
    return Notification.objects.bulk_create(
        Notification(organization=org, user_id=user_id, kind=kind, title=title[:255], body=body, link=link)
        for user_id in admins
    )


def notifications_mark_read(*, org, user, ids: list[int] | None = None) -> int:
    unread = Notification.objects.for_org(org).filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def set_email_kinds(*, user, kinds: list[str]) -> None:
    with transaction.atomic():
        user.email_notification_kinds = sorted(set(kinds) & set(Notification.Kind.values))
        user.email_notifications_set = True
        user.save(update_fields=["email_notification_kinds", "email_notifications_set"])
