"""SMS code rules: hashed, 5 minutes, 3 tries, one a minute, five a day, an IP cap; delivery retried."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.test import RequestFactory
from django.utils import timezone

from kabinet.accounts import services
from kabinet.accounts.models import PhoneChallenge, SmsMessage
from kabinet.core.net import Origin
from kabinet.messaging import sms
from kabinet.messaging.sms import SmsError

PHONE = "+79001112233"
PURPOSE = PhoneChallenge.Purpose.PHONE_CHANGE


@pytest.fixture
def request_from():
    def make(ip="10.1.1.1"):
        return RequestFactory().post("/", REMOTE_ADDR=ip)

    return make


def issue(request, phone=PHONE, purpose=PURPOSE):
    return services.challenge_issue(phone=phone, purpose=purpose, origin=Origin.of(request))


def sent_code(phone=PHONE) -> str:
    text = [m for m in sms.outbox if m["phone"] == phone][-1]["text"]
    return "".join(ch for ch in text if ch.isdigit())


def test_the_code_is_sent_by_sms_and_stored_only_as_a_hash(
    db, request_from, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = issue(request_from())
    code = sent_code()
    assert len(code) == settings.SMS_CODE_LENGTH == 4
    row = PhoneChallenge.objects.filter(pk=challenge.pk).values().get()
    assert code not in str(row)  # neither the hash, the salt nor anything else holds the code itself
    assert SmsMessage.objects.get(challenge=challenge).body == ""
    assert SmsMessage.objects.get(challenge=challenge).status == SmsMessage.Status.SENT


def test_the_code_length_is_a_setting(db, request_from, django_capture_on_commit_callbacks, settings):
    settings.SMS_CODE_LENGTH = 6
    with django_capture_on_commit_callbacks(execute=True):
        issue(request_from())
    assert len(sent_code()) == 6


def test_a_right_code_confirms_once(db, request_from, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = issue(request_from())
    services.challenge_verify(challenge_id=challenge.pk, code=sent_code())
    with pytest.raises(services.ServiceError):
        services.challenge_verify(challenge_id=challenge.pk, code=sent_code())


def test_three_wrong_tries_burn_the_code(db, request_from, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = issue(request_from())
    right = sent_code()
    wrong = str((int(right) + 1) % 10000).zfill(4)
    for left in (2, 1):
        with pytest.raises(services.ServiceError, match=str(left)):
            services.challenge_verify(challenge_id=challenge.pk, code=wrong)
    with pytest.raises(services.ServiceError):
        services.challenge_verify(challenge_id=challenge.pk, code=wrong)
    with pytest.raises(services.ServiceError):
        services.challenge_verify(challenge_id=challenge.pk, code=right)


def test_a_code_is_valid_five_minutes(db, request_from, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = issue(request_from())
    PhoneChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.ServiceError):
        services.challenge_verify(challenge_id=challenge.pk, code=sent_code())
    assert (challenge.expires_at - challenge.created_at).total_seconds() == pytest.approx(300, abs=2)


def test_one_code_a_minute_and_five_a_day_per_phone(db, request_from):
    first = issue(request_from())
    with pytest.raises(services.ServiceError) as error:
        issue(request_from())
    assert 55 <= error.value.retry_after <= 60
    for n in range(4):
        PhoneChallenge.objects.filter(pk__lte=first.pk + n).update(created_at=timezone.now() - timedelta(minutes=2))
        issue(request_from(ip=f"10.0.0.{n}"))
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with pytest.raises(services.ServiceError, match="сегодня"):
        issue(request_from(ip="10.9.9.9"))
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    issue(request_from())


def test_one_ip_cannot_request_codes_for_many_phones(db, request_from, settings):
    settings.SMS_HOURLY_LIMIT_PER_IP = 3
    for n in range(3):
        issue(request_from(), phone=f"+7900111220{n}")
    with pytest.raises(services.ServiceError, match="сети"):
        issue(request_from(), phone="+79001112299")
    issue(request_from(ip="10.2.2.2"), phone="+79001112299")


class DownBackend(sms.BaseBackend):
    def send(self, phone, text, idempotency_key=""):
        raise SmsError("gateway unreachable", retryable=True, code="network")


class RefusingBackend(sms.BaseBackend):
    def send(self, phone, text, idempotency_key=""):
        raise SmsError("SMSC 7: invalid phone", retryable=False, code="7")


def test_a_gateway_that_is_down_keeps_the_message_queued_and_schedules_a_retry(db, settings):
    settings.SMS_BACKEND = "kabinet.accounts.tests.test_codes.DownBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    message = SmsMessage.objects.create(phone=PHONE, body="Привет")
    services.sms_deliver(message.pk)
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.QUEUED and message.attempts == 1
    assert "unreachable" in message.last_error


def test_a_retry_is_enqueued_with_back_off(db, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "kabinet.accounts.tests.test_codes.DownBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    backend = task_backends["default"]
    message = SmsMessage.objects.create(phone=PHONE, body="Привет")
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_deliver(message.pk)
    retries = [r for r in cast(Any, backend).results if r.args == [message.pk]]  # the immediate backend's list
    assert len(retries) == 1
    assert retries[0].task.run_after > timezone.now() + timedelta(seconds=20)


def test_a_permanent_refusal_fails_the_message_and_the_user_can_resend(
    db, settings, request_from, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "kabinet.accounts.tests.test_codes.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        challenge = issue(request_from())
    assert SmsMessage.objects.get(challenge=challenge).status == SmsMessage.Status.FAILED
    settings.SMS_BACKEND = "kabinet.messaging.sms.LocmemBackend"
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        again = issue(request_from())
    services.challenge_verify(challenge_id=again.pk, code=sent_code())


def test_delivery_gives_up_after_the_configured_attempts(db, settings):
    settings.SMS_BACKEND = "kabinet.accounts.tests.test_codes.DownBackend"
    settings.SMS_DELIVERY_ATTEMPTS = 2
    message = SmsMessage.objects.create(phone=PHONE, body="x")
    services.sms_deliver(message.pk)
    services.sms_deliver(message.pk)
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.FAILED and message.attempts == 2
