"""Who may see what: the one place a client view gets its organization, its role check and its objects.

- `KabinetRequest` is the request as the middleware leaves it (`org`, `membership`, `memberships`
  from `organizations.middleware`, `creditor`/`creditors` from `creditors.middleware`, `htmx` from
  django-htmx); `OrgRequest` is the same inside `org_required`, where the organization is certain.
- `org_required` — signed in and with an organization selected.
- `role_required(*roles, sudo=..., password_in_form=...)` — only these roles of the selected
  organization (403 otherwise), optionally with the password entered within the last 15 minutes.
- `get_object_for_org(queryset_or_model, org, **lookup)` — one organization-owned object, a 404
  (`NotInOrganization`) for another organization's object exactly as for a missing one.

Types only from the apps above (under TYPE_CHECKING): core imports no app at run time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kabinet.accounts.models import User
    from kabinet.creditors.models import Creditor
    from kabinet.organizations.models import Membership, Organization

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound=Callable[..., HttpResponseBase])

SUDO_KEY = "kabinet_sudo_until"
SUDO_SECONDS = 15 * 60
SUDO_FIELD = "sudo_password"


class KabinetRequest(HttpRequest):
    """For typing only: the attributes the middleware sets on every request of a signed-in user.

    `creditor`/`creditors` are read lazily (the header cache, a query when it is cold) by
    `kabinet.creditors.middleware.CurrentCreditorMiddleware`, only when a page uses them.
    """

    user: User  # type: ignore[assignment]  # signed-in views; a public view takes HttpRequest
    org: Organization | None
    membership: Membership | None
    memberships: list[Membership]
    creditor: Creditor | None
    creditors: list[Creditor]
    htmx: HtmxDetails
    sudo_error: str  # set by `role_required(..., sudo=True)`: why the password is asked ("" if not)


class OrgRequest(KabinetRequest):
    """The request inside `org_required`: an organization is selected, so it and the membership are set."""

    org: Organization
    membership: Membership


class NotInOrganization(Http404):
    """The object is not in the selected organization (or does not exist at all).

    It carries what was looked up, so the 404 page can offer to switch to another organization of
    the same user that owns the object; to anybody else it is the plain 404 of a missing object.
    """

    def __init__(self, model: type[models.Model], lookup: dict[str, Any]):
        super().__init__(f"No {model._meta.label} matches the given query.")
        self.model = model
        self.lookup = lookup


def get_object_for_org(queryset: models.QuerySet[M] | type[M], org: Organization | None, **lookup: Any) -> M:
    """The single way a view fetches one organization-owned object.

    Another organization's object is a 404, exactly like one that does not exist.
    """
    qs: Any = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return cast(M, qs.for_org(org).get(**lookup))
    except (qs.model.DoesNotExist, ValueError) as exc:
        raise NotInOrganization(qs.model, lookup) from exc


def org_required(view: V) -> V:
    """Signed in and with an organization selected; otherwise a page that says why there is no data."""

    @login_required
    @wraps(view)
    def wrapper(request: KabinetRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.org is None:
            return render(request, "core/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def sudo_fresh(request: HttpRequest) -> bool:
    """The password was entered within the last SUDO_SECONDS."""
    return bool(request.session.get(SUDO_KEY, 0) >= time.time())


def sudo_grant(request: HttpRequest) -> None:
    # A change of privilege gets a new session key: a key seen before it (fixed, leaked) is worth nothing after.
    request.session.cycle_key()
    request.session[SUDO_KEY] = time.time() + SUDO_SECONDS


def role_required(*roles: str, sudo: bool = False, password_in_form: bool = False) -> Callable[[V], V]:
    """Only a member of the selected organization with one of `roles`; anybody else gets 403, even on a
    hand-made POST.

    With `sudo`, a POST also needs the password entered within the last 15 minutes. It is asked where
    the action is: a form that has the password field (`password_in_form`) gets `request.sudo_error`
    to show next to it with everything typed kept; any other action shows the password page, which
    carries the action's fields and, once the password is right, performs the action itself (nothing
    is lost, no JS needed)."""

    def decorate(view: V) -> V:
        @org_required
        @wraps(view)
        def wrapper(request: OrgRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.membership.role not in roles:
                raise PermissionDenied
            request.sudo_error = ""
            if sudo and request.method == "POST" and not sudo_fresh(request):
                password = request.POST.get(SUDO_FIELD, "")
                if password and request.user.check_password(password):
                    sudo_grant(request)
                else:
                    request.sudo_error = (
                        _("The password is wrong.") if password else _("Enter your password to confirm the change.")
                    )
                    if not password_in_form:
                        return _resume_page(request)
            return view(request, *args, **kwargs)

        return cast(V, wrapper)

    return decorate


def _resume_page(request: OrgRequest) -> HttpResponseBase:
    carried = [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", SUDO_FIELD)
        for value in request.POST.getlist(key)
    ]
    return render(
        request,
        "organizations/confirm_password.html",
        {
            "error": request.sudo_error if request.POST.get(SUDO_FIELD) else "",
            "action": request.path,
            "carried": carried,
            "section": "settings",
        },
        status=403,
    )
