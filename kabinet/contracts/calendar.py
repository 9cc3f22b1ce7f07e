"""The payment calendar subscription: a per-user secret address of an iCalendar feed of
the selected organization's unpaid payments, which Outlook, Google and Yandex calendars poll.

The feed works without a session (calendar apps have none); the secret in the address is the key,
and it is kept only as a SHA-256 hash. The feed is 404 when the subscription was revoked or replaced,
when the person lost the membership or the account is closed.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.contracts import ledger, selectors, services
from kabinet.contracts.exports import payments_ics
from kabinet.core.access import OrgRequest, org_required
from kabinet.core.links import absolute_url

SESSION_KEY = "kabinet_calendar_feed_url"


def feed_url(token: str) -> str:
    return absolute_url("contracts:calendar_feed", token)


@org_required
def subscription(request: OrgRequest) -> HttpResponse:
    """«Подписка на календарь платежей»: make, replace or end the secret address."""
    live = selectors.calendar_feed_live(request.user, request.org)
    return render(
        request,
        "contracts/calendar_subscription.html",
        {"feed": live, "new_url": request.session.pop(SESSION_KEY, None), "section": "dashboard"},
    )


@org_required
@require_POST
def subscription_issue(request: OrgRequest) -> HttpResponse:
    token = services.calendar_feed_issue(user=request.user, org=request.org)
    # Shown once on the next page (only the hash is kept).
    request.session[SESSION_KEY] = feed_url(token)
    return redirect("contracts:calendar_subscription")


@org_required
@require_POST
def subscription_revoke(request: OrgRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user, org=request.org)
    return redirect("contracts:calendar_subscription")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session; the secret decides. Reading it writes nothing."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    found = selectors.calendar_feed_by_hash(services.calendar_token_hash(token))
    if found is None:
        raise Http404
    org = found.organization
    content = payments_ics(
        ((line.contract, line) for line in ledger.unpaid_lines(org)),
        calendar_name=_("Payments of %(org)s") % {"org": org.name},
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Content-Type-Options"] = "nosniff"
    return response
