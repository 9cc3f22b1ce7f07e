"""What every page's header needs (the organization switcher, the creditors, the unread count), from
the header caches. See docs/architecture.md."""

from __future__ import annotations

from typing import Any

from kabinet.core.access import KabinetRequest
from kabinet.notifications.header_cache import unread_count
from kabinet.organizations.header_cache import pending_invitations


def portal(request: KabinetRequest) -> dict[str, Any]:
    """What the header needs on every page: organizations for the switcher, the creditor section and
    the unread count, all from the header cache. An htmx fragment renders no header and gets none of it."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    context: dict[str, Any] = {"current_org": request.org, "current_membership": request.membership}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return context
    context.update(
        switcher_memberships=request.memberships,
        creditor=request.creditor,
        creditors=request.creditors,
        unread_notifications=unread_count(request.user, request.org),
        pending_invitations=pending_invitations(request.user),
    )
    return context
