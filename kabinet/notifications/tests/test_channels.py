"""Notice channels: each person's choice per kind (in the portal, e-mail, SMS, Telegram) drives the fan-out; SMS
texts fit two segments; every notice's letter carries a one-click unsubscribe (RFC 8058); SMS and Telegram notices
wait through the organization's quiet hours and codes never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from freezegun import freeze_time

from kabinet.accounts.models import PhoneChallenge, SmsMessage
from kabinet.accounts.services import challenge_issue, sms_deliver, sms_requeue_stale
from kabinet.messaging import sms
from kabinet.messaging.quiet import quiet_until
from kabinet.notifications import channels, telegram
from kabinet.notifications.models import NoticeChannels, Notification, TelegramMessage
from kabinet.notifications.services import email_kinds_set, members_notify
from kabinet.testing.telegram import TOKEN, FakeBotApi, start_update

MSK = ZoneInfo("Europe/Moscow")
LONG_TITLE = (
    "Изменился график платежей по договору лизинга AL-26-00042 от 01.02.2026: новая сумма ежемесячного "
    "платежа и новые даты, проверьте их в личном кабинете"
)


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return members_notify(**kwargs)

    return run


@pytest.fixture
def bot(settings):
    with FakeBotApi() as api:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_USERNAME = "kabinet_test_bot"
        settings.TELEGRAM_API_URL = api.url
        yield api


def choose(user, kind, *chosen):
    matrix = channels.channel_matrix(user)
    matrix[kind] = set(chosen)
    channels.notice_channels_set(user=user, matrix=matrix)


# ---------------------------------------------------------------------------------------------
# The choice


def test_without_a_choice_a_notice_comes_in_the_portal_and_by_email(admin_a, org_a, notify):
    assert channels.channel_matrix(admin_a)["key_rate"] == {"portal", "email"}
    notify(org=org_a, kind="key_rate", title="Ставка")
    assert Notification.objects.filter(user=admin_a).count() == 1
    assert [m.to for m in mail.outbox] == [[admin_a.email]]
    assert SmsMessage.objects.count() == 0


def test_the_old_email_choice_is_the_default_of_the_email_column(admin_a):
    email_kinds_set(user=admin_a, kinds=["new_document"])
    matrix = channels.channel_matrix(admin_a)
    assert "email" in matrix["new_document"] and "email" not in matrix["key_rate"]
    assert "portal" in matrix["key_rate"]


def test_the_profile_matrix_saves_and_the_fan_out_follows_it(client_a, admin_a, manager_a, org_a, notify):
    form = {f"channels-{kind}": ["portal", "email"] for kind in Notification.Kind.values}
    form["channels-key_rate"] = ["sms"]  # SMS only: nothing in the portal, no e-mail
    response = client_a.post("/profile/channels/", form)
    assert response.status_code == 302 and response["Location"].endswith("/profile/#channels")
    row = NoticeChannels.objects.get(user=admin_a, kind="key_rate")
    assert (row.portal, row.email, row.sms, row.telegram) == (False, False, True, False)
    assert (
        'name="channels-key_rate" value="sms" id="ch-key_rate-sms" checked'
        in client_a.get("/profile/").content.decode()
    )

    notify(org=org_a, kind="key_rate", title="Ключевая ставка снижена")
    assert list(Notification.objects.values_list("user", flat=True)) == [manager_a.pk]  # the manager kept defaults
    assert [m.to for m in mail.outbox] == [[manager_a.email]]
    assert [(m["phone"], m["text"]) for m in sms.outbox] == [
        (str(admin_a.phone), "Ключевая ставка снижена http://127.0.0.1:8000/")
    ]


def test_a_get_of_the_save_address_writes_nothing(client_a, admin_a):
    assert client_a.get("/profile/channels/").status_code == 405
    assert not NoticeChannels.objects.filter(user=admin_a).exists()


def test_telegram_chosen_but_not_linked_goes_by_email(bot, admin_a, org_a, notify):
    choose(admin_a, "key_rate", "telegram")
    notify(org=org_a, kind="key_rate", title="Ставка")
    assert [m.to for m in mail.outbox] == [[admin_a.email]] and not TelegramMessage.objects.exists()


def test_codes_come_by_sms_whatever_is_chosen(admin_a, django_capture_on_commit_callbacks, settings):
    for kind in Notification.Kind.values:
        choose(admin_a, kind)
    with freeze_time(datetime(2026, 3, 10, 23, 30, tzinfo=MSK)), django_capture_on_commit_callbacks(execute=True):
        challenge_issue(phone=str(admin_a.phone), purpose=PhoneChallenge.Purpose.SIGN_IN, user=admin_a)
    assert len(sms.outbox) == 1 and "код" in sms.outbox[0]["text"].lower()  # at night too: codes never wait


# ---------------------------------------------------------------------------------------------
# SMS texts


def test_an_sms_notice_fits_two_cyrillic_segments_with_its_link(settings):
    settings.PORTAL_URL = "https://lk.lessor.ru"
    text = channels.sms_text(LONG_TITLE, "/contracts/42/")
    assert len(LONG_TITLE) > 134
    assert text.endswith(" https://lk.lessor.ru/contracts/42/") and "…" in text
    assert len(text) <= 2 * 67 and channels.sms_segments(text) == 2
    short = channels.sms_text("Новый документ", "/documents/")
    assert short == "Новый документ https://lk.lessor.ru/documents/" and channels.sms_segments(short) == 1


# ---------------------------------------------------------------------------------------------
# E-mail: one-click unsubscribe


def test_a_notice_letter_carries_one_click_unsubscribe_and_one_post_turns_that_kind_off(admin_a, org_a, notify):
    notify(org=org_a, kind="key_rate", title="Ставка")
    letter = mail.outbox[0]
    assert letter.content_subtype == "plain" and "Ставка" in letter.body
    assert letter.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = letter.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    path = url.removeprefix("http://127.0.0.1:8000")

    # A GET only asks; the mail program's POST (no session, no CSRF token) unsubscribes.
    assert Client().get(path).status_code == 200
    assert "email" in channels.channel_matrix(admin_a)["key_rate"]
    answer = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    admin_a.refresh_from_db()
    matrix = channels.channel_matrix(admin_a)
    assert matrix["key_rate"] == {"portal"} and "email" in matrix["new_document"]

    mail.outbox.clear()
    notify(org=org_a, kind="key_rate", title="Ставка ещё раз")
    notify(org=org_a, kind="new_document", title="Документ")
    assert [m.subject for m in mail.outbox] == ["Личный кабинет: Документ"]


def test_a_forged_unsubscribe_address_is_a_404(admin_a):
    token = channels.unsubscribe_token(admin_a, "key_rate")
    assert Client().post(f"/notifications/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert "email" in channels.channel_matrix(admin_a)["key_rate"]


# ---------------------------------------------------------------------------------------------
# Quiet hours


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 3, 10, 20, 59, 59), None),
        (datetime(2026, 3, 10, 21, 0), datetime(2026, 3, 11, 9, 0)),
        (datetime(2026, 3, 10, 23, 59), datetime(2026, 3, 11, 9, 0)),
        (datetime(2026, 3, 11, 0, 0), datetime(2026, 3, 11, 9, 0)),
        (datetime(2026, 3, 11, 8, 59, 59), datetime(2026, 3, 11, 9, 0)),
        (datetime(2026, 3, 11, 9, 0), None),
    ],
)
def test_the_quiet_window_boundaries(local, until):
    held = quiet_until(local.replace(tzinfo=MSK), "Europe/Moscow")
    assert held == (until.replace(tzinfo=MSK) if until else None)


def test_the_window_is_the_organizations_clock():
    at = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 14:00 in Moscow, 21:00 in Vladivostok
    assert quiet_until(at, "Europe/Moscow") is None
    assert quiet_until(at, "Asia/Vladivostok") == datetime(2026, 3, 11, 9, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))


def test_sms_and_telegram_notices_wait_until_the_window_ends(bot, settings, admin_a, org_a, notify):
    settings.OUTBOX_STALE_AFTER = 60
    code = telegram.telegram_link_code_issue(user=admin_a)
    telegram.telegram_update_handle(start_update(1, 5150, f"/start {code.code}"))
    choose(admin_a, "key_rate", "portal", "sms", "telegram")
    bot.sent.clear()
    morning = datetime(2026, 3, 11, 9, 0, tzinfo=MSK)
    with freeze_time(datetime(2026, 3, 10, 21, 0, tzinfo=MSK)):
        notify(org=org_a, kind="key_rate", title="Ставка")
    text = SmsMessage.objects.get()
    message = TelegramMessage.objects.get()
    assert text.enqueued_at == morning and text.status == SmsMessage.Status.QUEUED
    assert message.enqueued_at == morning and message.status == TelegramMessage.Status.QUEUED
    assert sms.outbox == [] and bot.sent == []  # the task ran at once (immediate backend) and was held
    assert Notification.objects.filter(user=admin_a).count() == 1  # the portal does not wait

    with freeze_time(morning - timedelta(seconds=1)):
        assert sms_deliver(text.pk) == SmsMessage.Status.QUEUED and telegram.telegram_deliver(message.pk) == "queued"
    assert sms.outbox == [] and bot.sent == []
    with freeze_time(morning + timedelta(seconds=61)):  # the sweep finds what the deferred task would have sent
        assert sms_requeue_stale() == 1 and telegram.telegram_requeue_stale() == 1
    assert len(sms.outbox) == 1 and len(bot.sent) == 1


def test_a_notice_just_before_the_window_goes_at_once(settings, admin_a, org_a, notify):
    choose(admin_a, "key_rate", "sms")
    with freeze_time(datetime(2026, 3, 10, 20, 59, 59, tzinfo=MSK)):
        notify(org=org_a, kind="key_rate", title="Ставка")
    assert len(sms.outbox) == 1


def test_the_organization_time_zone_defaults_to_moscow(org_a):
    assert org_a.time_zone == "Europe/Moscow"
