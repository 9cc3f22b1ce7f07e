"""Outgoing webhooks (signed, retried, logged), registrations through the API, body and row limits."""

import hashlib
import hmac
import json
from typing import Any, cast

import pytest
from django.test import Client

from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.api.webhooks import deliver
from kabinet.appeals import services as appeal_services
from kabinet.testing.http import FakeServer, Reply


@pytest.fixture(autouse=True)
def _local_receiver_allowed(settings):
    """The receiver of these tests is a local server: allowed the way an on-premise one would be."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_events_are_posted_signed_to_the_webhook(org_a, admin_a, django_capture_on_commit_callbacks):
    with FakeServer(lambda seen: Reply(status=200, body={"ok": True})) as server:
        token, _ = ApiToken.issue(name="1C", staff_wide=True)
        ApiToken.objects.filter(pk=token.pk).update(webhook_url=server.url + "/hook")
        with django_capture_on_commit_callbacks(execute=True):
            appeal = appeal_services.appeal_create(
                org=org_a,
                user=admin_a,
                data=appeal_services.AppealInput(
                    kind="new_leasing", description="Нужен самосвал", full_name="x", phone="+79000000000"
                ),
            )
    seen = server.requests[0]
    body = json.loads(seen.body)
    assert body["kind"] == "appeal.created" and body["payload"]["number"] == appeal.number
    secret = ApiToken.objects.get(pk=token.pk).webhook_secret
    stamp = seen.headers["Kabinet-Signature"].split(",")[0].removeprefix("t=")
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + seen.body, hashlib.sha256).hexdigest()
    assert seen.headers["Kabinet-Signature"] == f"t={stamp},v1={expected}"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.response_code == 200


def test_a_failing_webhook_is_retried_with_back_off_then_given_up(org_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.WEBHOOK_ATTEMPTS = 2
    with FakeServer(lambda seen: Reply(status=503, body={})) as server:
        token, _ = ApiToken.issue(name="1C", staff_wide=True)
        ApiToken.objects.filter(pk=token.pk).update(webhook_url=server.url)
        event = ApiEvent.objects.create(kind="appeal.created", organization=org_a, payload={})
        delivery = WebhookDelivery.objects.create(token=token, event=event)
        assert deliver(delivery.pk) == "pending"
        assert deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.response_code == 503


def test_staff_see_the_delivery_log(client, staff, org_a):
    token, _ = ApiToken.issue(name="1C", staff_wide=True)
    event = ApiEvent.objects.create(kind="appeal.created", organization=org_a, payload={})
    WebhookDelivery.objects.create(token=token, event=event, status="failed", last_error="HTTP 500")
    client.force_login(staff)
    assert "HTTP 500" in client.get("/admin/api/webhookdelivery/").content.decode()


def test_a_registration_is_approved_through_the_api(
    api, registry, consent_docs, client, django_capture_on_commit_callbacks
):
    from kabinet.accounts.models import Registration
    from kabinet.onboarding.tests.test_registration import FORM, last_code

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/register/", FORM)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/register/confirm/", {"code": last_code()})
    registration = Registration.objects.get()
    feed = api.get("/api/v1/events/").json()
    assert feed["events"] == [] or feed["events"][0]["kind"] == "registration.awaiting"
    response = api.post(
        f"/api/v1/registrations/{registration.pk}/status/", {"status": "approved"}, content_type="application/json"
    )
    assert response.json()["status"] == "approved"
    again = api.post(
        f"/api/v1/registrations/{registration.pk}/status/",
        {"status": "rejected", "reason": "x"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "status" in again.json()


def test_body_and_row_limits(api, settings):
    settings.API_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = api.post("/api/v1/payments/", json.dumps({"payments": [{"x": "y" * 2000}]}), content_type="application/json")
    assert big.status_code == 413 and "larger" in big.json()["detail"]


def test_too_many_rows_are_a_400(api, settings):
    from kabinet.api import serializers

    limit = cast(Any, serializers.PaymentsSerializer().fields["payments"]).max_length  # a ListSerializer's
    rows = [{"contract": "C", "number": 1, "paid_amount": "1", "paid_date": "2026-01-01"}] * (limit + 1)
    response = api.post("/api/v1/payments/", {"payments": rows}, content_type="application/json")
    assert response.status_code == 400 and "payments" in response.json()
