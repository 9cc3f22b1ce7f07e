"""The Telegram channel against a local fake Bot API: the client's wire format and errors, linking by a one-time
code (good, expired, reused, /stop), the webhook's secret, long polling, delivery with a button, a blocked bot
falling back to e-mail, and a 429 retried after the time Telegram asked for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kabinet.messaging.telegram import BotApi, TelegramError
from kabinet.notifications import telegram
from kabinet.notifications.models import NoticeChannels, Notification, TelegramLink, TelegramLinkCode, TelegramMessage
from kabinet.notifications.services import members_notify
from kabinet.testing.telegram import TOKEN, FakeBotApi, start_update, too_many

SECRET = "webhook-secret_1"
CHAT = 777000111


@pytest.fixture
def bot(settings):
    with FakeBotApi() as api:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_USERNAME = "kabinet_test_bot"
        settings.TELEGRAM_API_URL = api.url
        settings.TELEGRAM_WEBHOOK_SECRET = SECRET
        settings.QUIET_HOURS_START = settings.QUIET_HOURS_END  # no quiet hours here (tested on their own)
        yield api


def post_update(update, secret=SECRET):
    return Client().post(
        "/telegram/webhook/",
        update,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    """members_notify, with what it queues after the commit run at once (the test's transaction never commits)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return members_notify(**kwargs)

    return run


def linked(user, chat=CHAT) -> TelegramLink:
    code = telegram.telegram_link_code_issue(user=user)
    assert telegram.telegram_update_handle(start_update(1, chat, f"/start {code.code}")) == "linked"
    return TelegramLink.objects.get(user=user)


# ---------------------------------------------------------------------------------------------
# The client


def test_send_message_posts_the_documented_json_with_an_inline_url_button(bot):
    message_id = BotApi().send_message(
        CHAT, "Счёт выставлен", button_text="Открыть", button_url="https://portal.example.ru/invoices/1/"
    )
    assert message_id == 1
    method, seen = bot.calls[0]
    assert method == "sendMessage" and seen.path == f"/bot{TOKEN}/sendMessage"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json["chat_id"] == CHAT and seen.json["text"] == "Счёт выставлен"
    assert seen.json["reply_markup"] == {
        "inline_keyboard": [[{"text": "Открыть", "url": "https://portal.example.ru/invoices/1/"}]]
    }


def test_errors_say_blocked_and_retry_after(bot):
    bot.block()
    with pytest.raises(TelegramError) as blocked:
        BotApi().send_message(CHAT, "x")
    assert blocked.value.blocked and not blocked.value.retryable and blocked.value.code == 403
    bot.fail_next(429, too_many(7))
    with pytest.raises(TelegramError) as flood:
        BotApi().send_message(CHAT, "x")
    assert flood.value.retryable and flood.value.retry_after == 7 and not flood.value.blocked
    bot.fail_next(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    with pytest.raises(TelegramError) as bad:
        BotApi().send_message(CHAT, "x")
    assert not bad.value.retryable and "chat not found" in str(bad.value)


def test_an_unreachable_api_is_a_retryable_error(settings):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"
    with pytest.raises(TelegramError) as error:
        BotApi(token=TOKEN).send_message(CHAT, "x")
    assert error.value.retryable and not error.value.blocked


# ---------------------------------------------------------------------------------------------
# Linking


def test_the_start_code_links_the_chat_and_the_bot_answers_in_russian(bot, admin_a):
    code = telegram.telegram_link_code_issue(user=admin_a)
    assert 0 < len(code.code) <= 64 and code.code.replace("-", "").replace("_", "").isalnum()
    assert post_update(start_update(10, CHAT, f"/start {code.code}", username="alexey")).status_code == 200
    link = TelegramLink.objects.get(user=admin_a)
    assert (link.chat_id, link.username, link.blocked_at) == (CHAT, "alexey", None)
    assert bot.sent[-1]["chat_id"] == CHAT and bot.sent[-1]["text"].startswith("Готово")
    # Linking turns Telegram on for every kind of notice (none was chosen before).
    assert NoticeChannels.objects.filter(user=admin_a, telegram=True).count() == len(Notification.Kind.values)


def test_a_reused_code_is_refused_with_a_sentence(bot, admin_a, manager_a):
    code = telegram.telegram_link_code_issue(user=admin_a)
    telegram.telegram_update_handle(start_update(1, CHAT, f"/start {code.code}"))
    assert telegram.telegram_update_handle(start_update(2, 555, f"/start {code.code}")) == "refused"
    assert "уже использована" in bot.sent[-1]["text"] and bot.sent[-1]["chat_id"] == 555
    assert TelegramLink.objects.get().chat_id == CHAT  # the second chat linked nothing


def test_an_expired_code_is_refused_with_a_sentence(bot, admin_a):
    code = telegram.telegram_link_code_issue(user=admin_a)
    TelegramLinkCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert telegram.telegram_update_handle(start_update(1, CHAT, f"/start {code.code}")) == "refused"
    assert "истёк" in bot.sent[-1]["text"]
    assert not TelegramLink.objects.exists()
    telegram.telegram_update_handle(start_update(2, CHAT, "/start no-such-code"))
    assert "недействительна" in bot.sent[-1]["text"]


def test_stop_unlinks(bot, admin_a):
    linked(admin_a)
    assert post_update(start_update(5, CHAT, "/stop")).status_code == 200
    assert not TelegramLink.objects.exists()
    assert "отключены" in bot.sent[-1]["text"]


def test_the_webhook_checks_the_secret_and_takes_posts_only(bot, admin_a):
    code = telegram.telegram_link_code_issue(user=admin_a)
    assert post_update(start_update(1, CHAT, f"/start {code.code}"), secret="wrong").status_code == 403
    assert Client().get("/telegram/webhook/", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code == 405
    assert not TelegramLink.objects.exists() and bot.sent == []
    # CSRF does not apply: Telegram has no token (the test client enforces the checks here).
    enforcing = Client(enforce_csrf_checks=True)
    answer = enforcing.post(
        "/telegram/webhook/",
        start_update(2, CHAT, f"/start {code.code}"),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert answer.status_code == 200 and TelegramLink.objects.filter(user=admin_a).exists()


def test_without_a_token_the_webhook_and_the_profile_button_do_not_exist(settings, client_a):
    settings.TELEGRAM_BOT_TOKEN = ""
    assert post_update(start_update(1, CHAT, "/start x")).status_code == 404
    page = client_a.get("/profile/").content.decode()
    assert "Подключить Telegram" not in page and 'value="telegram"' not in page
    assert client_a.post("/profile/telegram/connect/").status_code == 404


def test_long_polling_handles_updates_and_confirms_them_with_the_offset(bot, admin_a):
    code = telegram.telegram_link_code_issue(user=admin_a)
    bot.updates = [start_update(41, CHAT, f"/start {code.code}")]
    call_command("telegram_poll", "--once", "--timeout", "0")
    assert TelegramLink.objects.filter(user=admin_a, chat_id=CHAT).exists()
    polls = [seen.json for method, seen in bot.calls if method == "getUpdates"]
    assert "offset" not in polls[0] and polls[-1]["offset"] == 42
    assert bot.updates == []  # confirmed


def test_the_profile_button_gives_a_one_time_deep_link(bot, client_a, admin_a):
    assert "Подключить Telegram" in client_a.get("/profile/").content.decode()
    page = client_a.post("/profile/telegram/connect/").content.decode()
    code = TelegramLinkCode.objects.get(user=admin_a)
    assert f"https://t.me/kabinet_test_bot?start={code.code}" in page
    assert client_a.get("/profile/telegram/connect/").status_code == 405  # a GET writes nothing


# ---------------------------------------------------------------------------------------------
# Delivery


def test_a_notice_goes_to_the_chat_with_a_button_to_its_object(bot, org_a, admin_a, settings, notify):
    settings.PORTAL_URL = "https://portal.example.ru"
    linked(admin_a)
    bot.sent.clear()
    notify(org=org_a, kind="new_document", title="Новый документ: счёт", link="/invoices/5/")
    message = TelegramMessage.objects.get(user=admin_a)
    assert message.status == TelegramMessage.Status.SENT and message.provider_id
    sent = bot.sent[-1]
    assert sent["chat_id"] == CHAT and sent["text"].startswith("Новый документ: счёт")
    assert sent["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://portal.example.ru/invoices/5/"
    sends = [seen for method, seen in bot.calls if method == "sendMessage"]
    assert sends[-1].headers["Idempotency-Key"] == f"telegram-{message.pk}"


def test_a_blocked_bot_marks_the_user_unreachable_and_the_notice_goes_by_email(bot, org_a, admin_a, notify):
    linked(admin_a)
    NoticeChannels.objects.filter(user=admin_a).update(email=False)  # Telegram only
    mail.outbox.clear()
    bot.block()
    notify(org=org_a, kind="key_rate", title="Ключевая ставка изменилась")
    message = TelegramMessage.objects.get(user=admin_a)
    assert message.status == TelegramMessage.Status.FAILED and message.fell_back_to_email
    assert "blocked" in message.last_error
    assert TelegramLink.objects.get(user=admin_a).blocked_at is not None
    assert [m.to for m in mail.outbox] == [[admin_a.email]] and "Ключевая ставка" in mail.outbox[0].subject
    # The next notice goes straight by e-mail: no second try at a blocked chat.
    notify(org=org_a, kind="key_rate", title="Ещё одна новость")
    assert TelegramMessage.objects.count() == 1 and len(mail.outbox) == 2
    # Linking again clears the mark.
    linked(admin_a)
    assert TelegramLink.objects.get(user=admin_a).blocked_at is None


def test_a_429_is_tried_again_after_retry_after(bot, org_a, admin_a, notify):
    linked(admin_a)
    bot.fail_next(429, too_many(42))
    before = timezone.now()
    notify(org=org_a, kind="key_rate", title="Ставка")
    message = TelegramMessage.objects.get(user=admin_a)
    assert message.status == TelegramMessage.Status.QUEUED and message.attempts == 1
    assert before + timedelta(seconds=42) <= message.enqueued_at <= timezone.now() + timedelta(seconds=42)
    assert telegram.telegram_deliver(message.pk) == TelegramMessage.Status.SENT
    assert bot.sent[-1]["text"].startswith("Ставка")
