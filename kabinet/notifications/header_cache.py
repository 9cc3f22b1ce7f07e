"""The notifications' part of the header cache (the mechanism is `kabinet.core.header_cache`):
the unread count of the header."""

from __future__ import annotations

from kabinet.core.header_cache import cached, track, user_scope, users_of_queryset, users_of_rows
from kabinet.notifications.models import Notification


def unread_count(user, org) -> int:
    if org is None:
        return 0
    return cached(
        "unread",
        user_scope(user.pk),
        lambda: Notification.objects.for_org(org).filter(user=user, read_at__isnull=True).count(),
        user.pk,
        org.pk,
    )


def connect() -> None:
    track(Notification, rows=users_of_rows, queryset=users_of_queryset)
