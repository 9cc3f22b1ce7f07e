"""The back office sees delivery per notice and channel (sent, delivered in the portal, queued, failed with the
reason), and a broadcast chooses its channels, within each person's choice and the quiet hours."""

from __future__ import annotations

from datetime import time

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from kabinet.accounts.models import SmsMessage
from kabinet.messaging import sms
from kabinet.notifications import channels
from kabinet.notifications.models import NoticeDelivery, Notification
from kabinet.notifications.services import members_notify
from kabinet.testing.html import parse


@pytest.fixture
def back_office(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_each_channel_of_each_notice_is_recorded_and_a_failure_shows_its_reason(
    back_office, admin_a, org_a, settings, django_capture_on_commit_callbacks
):
    settings.QUIET_HOURS_START = settings.QUIET_HOURS_END
    channels.notice_channels_set(user=admin_a, matrix={"key_rate": ["portal", "email", "sms"]})
    with django_capture_on_commit_callbacks(execute=True):
        members_notify(org=org_a, kind="key_rate", title="Ключевая ставка 16 %")
    rows = {d.channel: d for d in NoticeDelivery.objects.filter(user=admin_a)}
    assert set(rows) == {"portal", "email", "sms"}
    assert rows["portal"].delivery() == ("delivered", "")
    assert rows["email"].delivery() == ("sent", "")
    assert rows["sms"].delivery() == ("sent", "")  # the gateway took it; no receipts come back
    assert rows["sms"].sms_message is not None
    SmsMessage.objects.filter(pk=rows["sms"].sms_message.pk).update(
        status=SmsMessage.Status.FAILED, last_error="SMS.ru 202: неправильно указан номер"
    )
    page = back_office.get("/admin/notifications/noticedelivery/")
    assert page.status_code == 200
    text = " ".join(" ".join(row) for row in parse(page).find("table", id="result_list").rows())
    assert "неправильно указан номер" in text and "Ключевая ставка 16 %" in text
    assert "Доставлено" in text and "Отправлена" in text and "Не доставлено" in text


def test_a_broadcast_goes_only_on_the_channels_chosen_and_within_each_persons_choice(
    back_office, admin_a, manager_a, org_a, settings, django_capture_on_commit_callbacks
):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = time(0, 0), time(23, 59)  # always quiet
    channels.notice_channels_set(user=admin_a, matrix={"key_rate": ["email", "sms"]})
    # the manager keeps the defaults: in the portal and by e-mail
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(
            "/admin/notifications/notification/broadcast/",
            {"kind": "key_rate", "title": "Ставка", "organizations": [org_a.pk], "channels": ["portal", "sms"]},
        )
    assert response.status_code == 302
    assert not mail.outbox  # e-mail was not among the broadcast's channels
    assert list(Notification.objects.values_list("user", flat=True)) == [manager_a.pk]  # the admin chose no portal
    held = SmsMessage.objects.get()  # only the admin chose SMS; it waits for the end of the quiet hours
    assert held.phone == admin_a.phone and held.enqueued_at > timezone.now() and not sms.outbox
    assert set(NoticeDelivery.objects.values_list("user", "channel")) == {(manager_a.pk, "portal"), (admin_a.pk, "sms")}
    assert NoticeDelivery.objects.get(channel="sms").delivery()[0] == "queued"
    # Without a channel the form says so.
    response = back_office.post(
        "/admin/notifications/notification/broadcast/", {"kind": "key_rate", "title": "Ставка", "channels": []}
    )
    assert response.status_code == 200 and "Обязательное поле" in response.content.decode()
