"""The selected organization of every request (`request.org`, `.membership`), re-checked against the
user's active memberships. See docs/architecture.md (the request path)."""

from __future__ import annotations

from kabinet.organizations import header_cache

SESSION_KEY = "kabinet_org_id"


class CurrentOrganizationMiddleware:
    """Sets `request.org` and `request.membership`, re-checked against the memberships on every request.

    The memberships come from `header_cache` (one read of the cache, no query), which every write of
    a membership or an organization invalidates.

    The organization chosen in the switcher is kept in the session only as a preference: it is
    honoured while the user still has an active membership of an active organization; otherwise
    the first organization the user may see is selected (or none at all).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        request.org = None
        if request.user.is_authenticated:
            request.memberships = header_cache.memberships(request.user)
            request.membership = pick_membership(request.memberships, request.session.get(SESSION_KEY))
            request.org = request.membership.organization if request.membership else None
        return self.get_response(request)


def pick_membership(memberships, wanted_org_id):
    """The chosen organization while it is still allowed; otherwise the one the user has had longest
    (never a newer one, whatever its name)."""
    for membership in memberships:
        if membership.organization_id == wanted_org_id:
            return membership
    return min(memberships, key=lambda m: (m.created_at, m.pk)) if memberships else None
