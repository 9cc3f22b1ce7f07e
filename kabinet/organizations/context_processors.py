from __future__ import annotations

from kabinet.creditors.selectors import all_creditors, current_creditor


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
    }
