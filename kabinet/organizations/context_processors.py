from __future__ import annotations

from kabinet.creditors.selectors import all_creditors, current_creditor
from kabinet.notifications.models import Notification
from kabinet.organizations.employees import pending_invitations_for


def portal(request):
    """What the header needs on every page: organizations for the switcher and the creditor section."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "current_org": request.org,
        "current_membership": request.membership,
        "switcher_memberships": request.memberships,
        "creditor": current_creditor(request),
        "creditors": all_creditors(request),
        "pending_invitations": pending_invitations_for(request.user),
        "unread_notifications": Notification.objects.for_org(request.org)
        .filter(user=request.user, read_at__isnull=True)
        .count()
        if request.org
        else 0,
    }
