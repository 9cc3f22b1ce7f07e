"""Webhooks are signed Stripe-style (`Kabinet-Signature: t=…,v1=HMAC("t.body")`, the body holding the
event's id and kind), and the receiver in examples/ verifies a real delivery, refuses a tampered body,
a replay outside its window and an event id it has seen (fails on the old code: only the body was
signed, `X-Kabinet-Signature`, no time)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from kabinet.api import webhooks
from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.api.webhooks import deliver
from kabinet.testing.http import FakeServer, Reply


def _receiver():
    path = Path(django_settings.BASE_DIR) / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("webhook_receiver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def delivered(org_a, settings):
    """One real delivery to a local receiver: (what it got, the token's secret)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def send(on: datetime | None = None):
        with FakeServer(lambda seen: Reply(status=200)) as server:
            token, _ = ApiToken.issue(name=f"1C {on}", kind=ApiToken.Kind.STAFF)
            ApiToken.objects.filter(pk=token.pk).update(webhook_url=server.url + "/hook")
            event = ApiEvent.objects.create(kind="support.message", organization=org_a, payload={"body": "Вопрос"})
            item = WebhookDelivery.objects.create(token=token, event=event)
            with mock.patch("django.utils.timezone.now", return_value=on or timezone.now()):
                assert deliver(item.pk) == "delivered"
        return server.requests[0], ApiToken.objects.get(pk=token.pk).webhook_secret

    return send


def test_the_example_receiver_verifies_a_real_delivery_and_refuses_replays(delivered):
    receiver = _receiver()
    seen, secret = delivered()
    header = seen.headers["Kabinet-Signature"]
    stamp = int(header.split(",")[0].removeprefix("t="))
    ids: set[int] = set()
    event = receiver.verify(secret, seen.body, header, seen=ids)
    assert event["kind"] == "support.message" and event["id"] == json.loads(seen.body)["id"]
    with pytest.raises(receiver.Refused, match="already processed"):
        receiver.verify(secret, seen.body, header, seen=ids)
    with pytest.raises(receiver.Refused, match="does not match"):  # the event id or kind changed
        receiver.verify(secret, seen.body.replace(b'"support.message"', b'"appeal.created"'), header)
    with pytest.raises(receiver.Refused, match="does not match"):  # a fresh time on an old signature
        receiver.verify(secret, seen.body, header.replace(f"t={stamp}", f"t={stamp + 600}"), now=stamp + 600)
    with pytest.raises(receiver.Refused, match="replay window"):
        receiver.verify(secret, seen.body, header, now=stamp + receiver.REPLAY_WINDOW_SECONDS + 1)
    with pytest.raises(receiver.Refused, match="does not match"):
        receiver.verify("another secret", seen.body, header)


def test_the_old_header_is_sent_beside_until_the_documented_date(delivered):
    seen, secret = delivered()
    assert seen.headers["X-Kabinet-Signature"] == webhooks.sign(secret, seen.body)
    after = timezone.make_aware(datetime.combine(date(2027, 7, 1), datetime.min.time()).replace(hour=12))
    later, _ = delivered(after)
    assert "X-Kabinet-Signature" not in later.headers
    assert later.headers["Kabinet-Signature"].startswith(f"t={int(after.timestamp())},v1=")
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text()
    changelog = (Path(django_settings.BASE_DIR) / "CHANGELOG.md").read_text()
    when = webhooks.LEGACY_SIGNATURE_UNTIL.isoformat()
    assert when in readme and when in changelog
