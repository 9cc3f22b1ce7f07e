"""Error pages: Russian, branded, in the portal's layout.

404/403/400 render in the full layout (header, sections) when the database answers; 500 renders
with no context processors and no database at all (Django's own `server_error` renders `500.html`
without a request context, and the template needs nothing else).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from kabinet.core.access import NotInOrganization


def _owning_membership(request: HttpRequest, exception: Exception | None) -> Any | None:
    """The user's other organization that owns the object looked up, if any (never a stranger's)."""
    if not isinstance(exception, NotInOrganization):
        return None
    current = getattr(request, "org", None)
    memberships = [m for m in getattr(request, "memberships", []) if m.organization_id != getattr(current, "pk", None)]
    if not memberships:
        return None
    try:
        manager: Any = exception.model._default_manager
        owner_id = (
            manager.unscoped()  # scoped by the user's own other organizations
            .filter(organization_id__in=[m.organization_id for m in memberships], **exception.lookup)
            .values_list("organization_id", flat=True)
            .first()
        )
    except (ValueError, TypeError):
        return None
    return next((m for m in memberships if m.organization_id == owner_id), None)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404. An object of another organization of the same user: offer to switch to it."""
    return render(
        request,
        "404.html",
        {"request_path": request.path, "switch_to": _owning_membership(request, exception)},
        status=404,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security token expired (a long pause, a sign-out in another tab): explain, offer a reload."""
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = request.get_full_path()
    response = render(request, "403_csrf.html", {"reload_url": back}, status=403)
    response["X-Kabinet-Error"] = "csrf"
    return response
