"""Webhook deliveries go through the same outbox as SMS (kabinet.messaging.outbox)."""

import threading
from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.utils import timezone

from kabinet.api import webhooks
from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.messaging import outbox
from kabinet.testing.http import FakeServer, Reply


@pytest.fixture(autouse=True)
def _local_receiver_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _delivery(org, url):
    token, _ = ApiToken.issue(name="1C", staff_wide=True)
    ApiToken.objects.filter(pk=token.pk).update(webhook_url=url)
    event = ApiEvent.objects.create(kind="appeal.created", organization=org, payload={})
    return WebhookDelivery.objects.create(token=token, event=event)


def test_the_receiver_down_retries_with_back_off_then_gives_up(org_a, settings, django_capture_on_commit_callbacks):
    from django_tasks import task_backends

    settings.WEBHOOK_ATTEMPTS = 3
    with FakeServer(lambda seen: Reply(status=500, body={})) as server:
        delivery = _delivery(org_a, server.url)
        delays = []
        for _ in range(3):
            started = timezone.now()
            with django_capture_on_commit_callbacks(execute=True):
                webhooks.deliver(delivery.pk)
            delivery.refresh_from_db()
            if delivery.status == WebhookDelivery.Status.PENDING:
                backend = cast(Any, task_backends["default"])  # the immediate backend keeps its results
                retry = [r for r in backend.results if r.args == [delivery.pk]][-1]
                delays.append(round((retry.task.run_after - started).total_seconds()))
    assert delays == [10, 30]
    assert delivery.status == "failed" and delivery.attempts == 3 and delivery.last_error == "HTTP 500"


def test_a_worker_killed_mid_request_is_requeued_and_the_receiver_sees_the_same_key(org_a, monkeypatch):
    class Killed(BaseException):
        pass

    with FakeServer(lambda seen: Reply(status=200, body={})) as server:
        delivery = _delivery(org_a, server.url)
        real_post = webhooks.post_json

        def post_then_die(*args, **kwargs):
            real_post(*args, **kwargs)
            raise Killed

        monkeypatch.setattr(webhooks, "post_json", post_then_die)
        with pytest.raises(Killed):
            webhooks.deliver(delivery.pk)
        monkeypatch.setattr(webhooks, "post_json", real_post)
        assert webhooks.requeue_stale() == 0
        WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
        assert webhooks.requeue_stale() == 1
        assert webhooks.deliver(delivery.pk) == "delivered"
        assert webhooks.deliver(delivery.pk) == "delivered"
    assert [seen.headers["Idempotency-Key"] for seen in server.requests] == [f"webhook-{delivery.pk}"] * 2


def test_webhooks_and_sms_share_the_one_loop():
    from kabinet.accounts import services

    assert isinstance(webhooks.WEBHOOKS, outbox.Channel) and isinstance(services.SMS, outbox.Channel)
    assert webhooks.WEBHOOKS.model.__mro__[1].__name__ == services.SMS.model.__mro__[1].__name__ == "OutboxMessage"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test (CI runs it there)")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_post_a_delivery_once(org_a):
    entered, release = threading.Event(), threading.Event()

    def slow(seen):
        entered.set()
        release.wait(10)
        return Reply(status=200, body={})

    with FakeServer(slow) as server:
        delivery = _delivery(org_a, server.url)
        results = {}

        def worker(name):
            try:
                results[name] = webhooks.deliver(delivery.pk)
            finally:
                connection.close()

        first = threading.Thread(target=worker, args=("first",))
        first.start()
        assert entered.wait(10)
        worker("second")  # while the first holds the row (outside any lock)
        release.set()
        first.join(10)
    assert results == {"first": "delivered", "second": "locked"}
    assert len(server.requests) == 1
