"""A GET never writes: every client URL, walked from the URL conf as a signed-in administrator of an
organization with one row of everything, leaves every domain table as it was. Read markers (a
notification opened, a support thread read) are POSTs the page sends as it loads (htmx,
`hx-trigger="load"`); the named exceptions are the session's own bookkeeping (the `django_session`
row) and the rate-limit counters, which live in the cache, not in a table."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.core.access import SUDO_KEY
from kabinet.core.tests.test_isolation_matrix import NOT_ORGANIZATION_OWNED, _client_routes, _ids_of, b_world  # noqa: F401  # the fixture
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership
from kabinet.support.models import SupportThread, SupportThreadRead
from kabinet.support.services import thread_staff_reply
from kabinet.testing.routes import SESSION_BOOKKEEPING, changed_tables, table_digest

NOT_WALKED = {
    "accounts:logout": "ends the session (a POST; its GET is refused)",
}


@pytest.fixture
def member(request):
    """The administrator of the organization that has one row of everything (the isolation matrix's)."""
    org = request.getfixturevalue("b_world")["org"]
    user = Membership.objects.get(organization=org, role=Membership.Role.ADMIN).user
    client = Client()
    client.force_login(user)
    session = client.session
    session[SUDO_KEY] = time.time() + 3600  # past the password confirmation of the sensitive pages
    session.save()
    return org, user, client


def test_no_client_get_writes_to_any_table(member, staff):
    org, user, client = member
    thread = SupportThread.objects.for_org(org).get()
    thread_staff_reply(thread_id=thread.pk, staff=staff, body="Ответ поддержки")  # unread for the member
    thread.refresh_from_db()
    ids = sorted(_ids_of(org))
    before = table_digest(exclude=SESSION_BOOKKEEPING)
    walked = ok = 0
    for route in _client_routes():
        if route.name in NOT_WALKED:
            continue
        if not route.params:
            urls = ["/" + route.route]
        elif route.name in NOT_ORGANIZATION_OWNED:
            continue
        else:
            urls = [route.fill({name: value for name, _ in route.params}) for value in ids]
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            walked += 1
            ok += response.status_code == 200
    assert changed_tables(before, table_digest(exclude=SESSION_BOOKKEEPING)) == []
    assert ok >= 40, (walked, ok)
    # …and the pages that used to write on a GET were among them, unread still.
    assert Notification.objects.for_org(org).filter(read_at__isnull=True).exists()
    assert not SupportThreadRead.objects.filter(user=user, thread=thread, last_read_at__gte=thread.last_message_at)


def test_opening_a_notification_marks_it_read_by_the_post_its_page_sends(member):
    org, user, client = member
    notification = Notification.objects.for_org(org).filter(user=user).order_by("pk")[0]
    Notification.objects.for_org(org).filter(pk=notification.pk).update(link="/contracts/")
    url = reverse("notifications:open", args=[notification.pk])
    page = client.get(url).content.decode()
    assert f'hx-post="{url}" hx-trigger="load"' in page and "csrfmiddlewaretoken" in page
    assert Notification.objects.for_org(org).get(pk=notification.pk).read_at is None
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/contracts/"
    assert Notification.objects.for_org(org).get(pk=notification.pk).read_at is not None
    # Without JavaScript the button sends the same POST and is redirected.
    assert client.post(url)["Location"] == "/contracts/"


def test_a_support_thread_is_marked_read_by_the_post_its_page_sends(member, staff):
    org, user, client = member
    thread = SupportThread.objects.for_org(org).get()
    thread_staff_reply(thread_id=thread.pk, staff=staff, body="Ответ поддержки")
    thread.refresh_from_db()
    url = reverse("support:thread", args=[thread.pk])
    read = reverse("support:read", args=[thread.pk])
    page = client.get(url).content.decode()
    assert f'hx-post="{read}" hx-trigger="load"' in page
    assert not SupportThreadRead.objects.filter(user=user, thread=thread, last_read_at__gte=thread.last_message_at)
    assert client.get(read).status_code == 405
    assert client.post(read, HTTP_HX_REQUEST="true").status_code == 204
    assert SupportThreadRead.objects.filter(user=user, thread=thread, last_read_at__gte=thread.last_message_at)
    # Read now: the page and its polls ask for nothing more.
    assert read not in client.get(url).content.decode()
    assert read not in client.get(url, {"poll": 1}, HTTP_HX_REQUEST="true").content.decode()
