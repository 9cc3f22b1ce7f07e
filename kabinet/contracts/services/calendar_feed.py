"""The payment calendar subscription (`kabinet.contracts.calendar`): only the secret's hash is kept."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from kabinet.contracts.models import CalendarFeed


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_issue(*, user, org) -> str:
    """A new secret address; any earlier live subscription of the person to this organization ends."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user, organization=org, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarFeed.objects.create(user=user, organization=org, token_hash=calendar_token_hash(token))
    return token


def calendar_feed_revoke(*, user, org) -> int:
    return CalendarFeed.objects.filter(user=user, organization=org, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
