"""The SMS outbox through kabinet.messaging.outbox: the gateway down, a worker killed mid-send, two workers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kabinet.accounts import services
from kabinet.accounts.models import SmsMessage
from kabinet.messaging import outbox
from kabinet.messaging.sms import SmsRuBackend
from kabinet.testing.http import FakeServer, Reply

PHONE = "+79001112244"
pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing after this line of the task runs."""


class DyingSmsRu(SmsRuBackend):
    """The gateway takes the message, then the worker dies before it records the answer."""

    def send(self, phone, text, idempotency_key=""):
        super().send(phone, text, idempotency_key)
        raise Killed


def smsru(seen, status="OK"):
    to = seen.form["to"]
    if status != "OK":
        return Reply(status=503, body={})
    return Reply(body={"status": "OK", "status_code": 100, "sms": {to: {"status": "OK", "sms_id": f"id-{to}"}}})


@pytest.fixture
def deferred_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    return task_backends["default"]


def test_the_gateway_down_retries_with_back_off_then_gives_up(
    settings, deferred_tasks, django_capture_on_commit_callbacks
):
    settings.SMS_DELIVERY_ATTEMPTS = 3
    with FakeServer(lambda seen: smsru(seen, status="down")) as server:
        settings.SMS_BACKEND, settings.SMSRU_URL = "kabinet.messaging.sms.SmsRuBackend", server.url
        message = SmsMessage.objects.create(phone=PHONE, body="Привет")
        delays = []
        for _ in range(3):
            started = timezone.now()
            with django_capture_on_commit_callbacks(execute=True):
                status = services.sms_deliver(message.pk)
            message.refresh_from_db()
            if status == SmsMessage.Status.QUEUED:
                retry = [r for r in deferred_tasks.results if r.args == [message.pk]][-1]
                delays.append(round((retry.task.run_after - started).total_seconds() / 10) * 10)
                assert message.enqueued_at == retry.task.run_after and message.locked_until is None
    assert delays == [30, 60]  # 30 s, then twice as long
    assert message.status == SmsMessage.Status.FAILED and message.attempts == 3
    assert message.last_error == "HTTP 503"
    assert len(server.requests) == 3
    assert services.sms_deliver(message.pk) == SmsMessage.Status.FAILED and len(server.requests) == 3


def test_a_worker_killed_mid_send_is_requeued_when_its_lease_expires_and_the_retry_has_the_same_key(
    settings, deferred_tasks
):
    with FakeServer(smsru) as server:
        settings.SMSRU_URL = server.url
        message = SmsMessage.objects.create(phone=PHONE, body="Привет")
        settings.SMS_BACKEND = "kabinet.accounts.tests.test_sms_outbox.DyingSmsRu"
        with pytest.raises(Killed):
            services.sms_deliver(message.pk)
        message.refresh_from_db()
        assert message.status == SmsMessage.Status.SENDING and message.attempts == 1
        assert message.locked_until is not None and message.locked_until > timezone.now()
        assert services.sms_requeue_stale() == 0  # the worker may still be alive: its lease holds
        assert services.sms_deliver(message.pk) == "locked"  # nobody else sends it meanwhile
        SmsMessage.objects.filter(pk=message.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
        assert services.sms_requeue_stale() == 1
        assert [r.args for r in deferred_tasks.results] == [[message.pk]]
        message.refresh_from_db()
        assert message.status == SmsMessage.Status.QUEUED and message.locked_until is None
        settings.SMS_BACKEND = "kabinet.messaging.sms.SmsRuBackend"
        assert services.sms_deliver(message.pk) == SmsMessage.Status.SENT
        assert services.sms_deliver(message.pk) == SmsMessage.Status.SENT  # the duplicate task is a no-op
    keys = [seen.headers["Idempotency-Key"] for seen in server.requests]
    assert keys == [f"sms-{message.pk}", f"sms-{message.pk}"]  # the gateway drops the repeat
    message.refresh_from_db()
    assert message.attempts == 2 and message.provider_id == "id-79001112244" and message.sent_at


def test_a_row_is_never_sent_by_two_workers_at_once(settings):
    sends = []

    def send(message):
        sends.append(message.pk)
        # Another worker picks the same row up while this one is talking to the gateway.
        assert outbox.deliver(services.SMS, message.pk) == "locked"
        return outbox.Outcome(ok=True, update={"provider_id": "p1"})

    channel = outbox.Channel(**{**services.SMS.__dict__, "send": send})
    message = SmsMessage.objects.create(phone=PHONE, body="x")
    assert outbox.deliver(channel, message.pk) == SmsMessage.Status.SENT
    assert sends == [message.pk]


def test_a_late_worker_whose_lease_ran_out_does_not_overwrite_the_next_try(settings):
    message = SmsMessage.objects.create(phone=PHONE, body="x")
    slow = outbox.claim(services.SMS, message.pk)
    assert slow is not None
    SmsMessage.objects.filter(pk=message.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    services.sms_requeue_stale()
    assert services.sms_deliver(message.pk) == SmsMessage.Status.SENT  # the next try
    late = outbox.record(services.SMS, slow, outbox.Outcome(ok=False, error="timeout"))
    assert late == SmsMessage.Status.SENT
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and message.last_error == "" and message.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_send_happens_outside_any_transaction(settings):
    from django.db import connection

    seen: list[bool] = []

    def send(message: object) -> outbox.Outcome:
        seen.append(connection.in_atomic_block)
        return outbox.Outcome(ok=True)

    channel = outbox.Channel(**{**services.SMS.__dict__, "send": send})
    message = SmsMessage.objects.create(phone=PHONE, body="x")
    outbox.deliver(channel, message.pk)
    assert seen == [False]
