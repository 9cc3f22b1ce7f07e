from __future__ import annotations

from kabinet.creditors.selectors import all_creditors, current_creditor
from kabinet.notifications.header_cache import unread_count
from kabinet.organizations.header_cache import pending_invitations


def portal(request):
    """What the header needs on every page: organizations for the switcher, the creditor section and
    the unread count, all from the header cache. An htmx fragment renders no header and gets none of it."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    context = {"current_org": request.org, "current_membership": request.membership}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return context
    context.update(
        switcher_memberships=request.memberships,
        creditor=current_creditor(request),
        creditors=all_creditors(request),
        unread_notifications=unread_count(request.user, request.org),
        pending_invitations=pending_invitations(request.user),
    )
    return context
