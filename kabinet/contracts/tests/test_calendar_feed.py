"""The payment calendar subscription: a per-user secret iCalendar address of the selected
organization's unpaid payments, working without a session, with stable UIDs; replaced (rotated) or
revoked at will; 404 once revoked or when the person lost the membership."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.contracts.models import CalendarFeed
from kabinet.organizations.models import Membership
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.routes import data_writes


@pytest.fixture
def schedule(org_a, org_b, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00100", external_id="1C-77")
    ScheduledPaymentFactory(contract=contract, number=1, due_date=date(2026, 1, 15), is_paid=True)
    ScheduledPaymentFactory(contract=contract, number=2, due_date=date(2026, 2, 15), amount=Decimal("99562.65"))
    ScheduledPaymentFactory(contract=contract, number=3, due_date=date(2026, 3, 15))
    other = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00101")
    ScheduledPaymentFactory(contract=other, number=1, due_date=date(2026, 2, 20))
    foreign = ContractFactory(organization=org_b, product=products["auto"], number="BETA-9")
    ScheduledPaymentFactory(contract=foreign, number=1, due_date=date(2026, 2, 21))
    return contract, other


def subscribe(client) -> str:
    client.post("/calendar/new/")
    html = client.get("/calendar/").content.decode()
    match = re.search(r'value="(http[^"]+\.ics)"', html)
    assert match, "the address is shown once after subscribing"
    return match.group(1).split("://", 1)[1].split("/", 1)[1]  # the path


def test_the_feed_has_every_unpaid_payment_of_the_organization_with_stable_uids(client_a, schedule, settings):
    settings.PORTAL_HOST = "lk.example.ru"
    path = "/" + subscribe(client_a)
    anonymous = Client()  # calendar apps have no session
    response = anonymous.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    uids = re.findall(r"^UID:(.+)$", text, re.M)
    other = schedule[1]
    assert sorted(u.strip() for u in uids) == sorted(
        ["1C-77-2@lk.example.ru", "1C-77-3@lk.example.ru", f"{other.pk}-1@lk.example.ru"]
    )
    assert "BETA-9" not in text and "20260115" not in text  # another organization's, and a paid one
    assert "99 562\\,65" in text.replace("\r\n ", "")  # RFC 5545 escapes the comma
    # The same payments give the same UIDs next time (calendars update events instead of duplicating).
    assert re.findall(r"^UID:(.+)$", anonymous.get(path).content.decode(), re.M) == uids


def test_reading_the_feed_writes_nothing_and_costs_few_queries(client_a, schedule):
    path = "/" + subscribe(client_a)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(path).status_code == 200
    assert not data_writes(queries)
    assert len(queries) <= 4


def test_a_new_address_ends_the_old_one_and_revoking_ends_both(client_a, schedule):
    first = "/" + subscribe(client_a)
    second = "/" + subscribe(client_a)
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert "показывается один раз" not in client_a.get("/calendar/").content.decode()  # shown once only
    client_a.post("/calendar/revoke/")
    assert Client().get(second).status_code == 404
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_the_feed_is_404_when_the_person_lost_the_membership(client_a, admin_a, org_a, schedule):
    path = "/" + subscribe(client_a)
    Membership.objects.filter(user=admin_a, organization=org_a).update(status=Membership.Status.INACTIVE)
    assert Client().get(path).status_code == 404
    Membership.objects.filter(user=admin_a, organization=org_a).update(status=Membership.Status.ACTIVE)
    assert Client().get(path).status_code == 200
    admin_a.is_active = False
    admin_a.save()
    assert Client().get(path).status_code == 404


def test_only_the_hash_of_the_secret_is_kept_and_a_guess_is_404(client_a, schedule):
    path = "/" + subscribe(client_a)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash__contains=token).exists()
    assert Client().get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert Client().post(path).status_code == 404


def test_subscribing_needs_a_sign_in_and_a_post(client_a):
    assert Client().get("/calendar/").status_code == 302
    assert client_a.get("/calendar/new/").status_code == 405
    assert not CalendarFeed.objects.exists()
