"""Reads of a user's notifications, always within one organization."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core import textsearch
from kabinet.notifications.models import Notification


def mine(org, user) -> QuerySet[Notification]:
    """The user's notifications in the organization."""
    return Notification.objects.for_org(org).filter(user=user)


def notification_list(org, user, *, kind: str = "", unread: bool = False, q: str = "", oldest_first: bool = False):
    """The list with its filters (type, unread only, a word in the title or the text) in date order."""
    notifications = mine(org, user)
    if kind:
        notifications = notifications.filter(kind=kind)
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    notifications = textsearch.any_field_contains(notifications, q, ["title", "body"])
    order = ["created_at", "id"] if oldest_first else ["-created_at", "-id"]
    return notifications.order_by(*order)
