"""A client links Telegram from «Профиль» and gets a notice there: the test plays the bot (it posts the `/start`
update to the webhook, the way Telegram would) against the local fake Bot API, which records what the portal sends.
The channel matrix reads at 1440 and 375 px. Payment reminders after the daily job reach Telegram and SMS as
chosen."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.contracts.services import payment_reminders_send
from kabinet.core.formatting import format_date, format_money
from kabinet.messaging import sms
from kabinet.notifications import channels
from kabinet.notifications.services import members_notify
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.telegram import TOKEN, FakeBotApi, start_update

SECRET = "e2e-secret"
CHAT = 424242
# A phone browser widens its layout viewport (and `innerWidth`) to fit wider content: compare with the device's width.
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def bot(settings, live_server):
    with FakeBotApi() as api:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_BOT_USERNAME = "kabinet_test_bot"
        settings.TELEGRAM_API_URL = api.url
        settings.TELEGRAM_WEBHOOK_SECRET = SECRET
        settings.QUIET_HOURS_START = settings.QUIET_HOURS_END  # the journey may run at night
        settings.PORTAL_URL = live_server.url
        yield api


def shot(page, name: str) -> None:
    folder = os.environ.get("KB_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def telegram_posts(live_server, update: dict) -> int:
    """What Telegram does when the person presses «Start»: POST the Update to the webhook with the secret."""
    request = urllib.request.Request(  # noqa: S310 (the test's own live server)
        live_server.url + "/telegram/webhook/",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


def test_a_client_links_telegram_and_gets_a_notice_there(page, transactional_db, bot, live_server, admin_a, org_a):
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/profile/")
    page.get_by_role("button", name="Подключить Telegram").click()
    link = page.get_by_test_id("telegram-deep-link")
    href = link.get_attribute("href") or ""
    assert href.startswith("https://t.me/kabinet_test_bot?start=")
    code = href.split("start=", 1)[1]

    assert telegram_posts(live_server, start_update(1001, CHAT, f"/start {code}", username="alexey")) == 200
    assert bot.sent[-1]["chat_id"] == CHAT and bot.sent[-1]["text"].startswith("Готово")

    page.get_by_role("link", name="Вернуться в профиль").click()
    expect(page.get_by_test_id("telegram-status")).to_contain_text("Telegram подключён: @alexey")
    # New documents: Telegram only (linking turned Telegram on; the e-mail is switched off here).
    row = page.get_by_test_id("channels-new_document")
    expect(row.get_by_label("Новый документ: Telegram")).to_be_checked()
    row.get_by_label("Новый документ: E-mail").uncheck()
    page.get_by_test_id("notice-channels").get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Каналы уведомлений сохранены.")).to_be_visible()
    shot(page, "profile-channels")

    contract = ContractFactory(organization=org_a, number="AL-26-00042")
    mail.outbox.clear()
    title = "Новый документ по договору AL-26-00042"
    members_notify(org=org_a, kind="new_document", title=title, link=f"/contracts/{contract.pk}/")
    sent = bot.sent[-1]
    assert sent["chat_id"] == CHAT and sent["text"].startswith(title)
    button = sent["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == f"{live_server.url}/contracts/{contract.pk}/"
    assert mail.outbox == []  # e-mail was switched off for this kind
    # The button opens the contract.
    page.goto(button["url"])
    expect(page.get_by_role("heading", name="AL-26-00042")).to_be_visible()


def test_the_channel_matrix_reads_on_a_phone(phone_page, transactional_db, bot, admin_a):
    page = phone_page
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/profile/#channels")
    row = page.get_by_test_id("channels-payment_due")
    expect(row).to_contain_text("Приближается срок платежа")
    for channel in ("В портале", "E-mail", "СМС", "Telegram"):
        expect(row.get_by_text(channel, exact=True)).to_be_visible()  # a label next to each box on a phone
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.scrollingElement.scrollWidth")
    row.get_by_label("СМС").check()
    page.get_by_test_id("notice-channels").get_by_role("button", name="Сохранить").click()
    expect(page.get_by_test_id("channels-payment_due").get_by_label("СМС")).to_be_checked()
    shot(page, "profile-channels")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_reminders_reach_telegram_and_sms_as_chosen_after_the_daily_job(
    request, viewport, transactional_db, bot, live_server, admin_a, org_a, products
):
    """A client links Telegram, keeps «Приближается срок платежа» in Telegram and chooses SMS for overdue
    payments; the daily job on a simulated date sends exactly one Telegram message (the line due in a day, its
    button opening «Счёт на оплату») and one SMS (the line 5 days overdue, its short link opening «Счёт на оплату
    задолженности»), nothing by e-mail, and nothing again when it runs a second time. At 1440 and 375 px."""
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/profile/")
    page.get_by_role("button", name="Подключить Telegram").click()
    code = (page.get_by_test_id("telegram-deep-link").get_attribute("href") or "").split("start=", 1)[1]
    assert telegram_posts(live_server, start_update(1002, CHAT, f"/start {code}", username="alexey")) == 200
    page.get_by_role("link", name="Вернуться в профиль").click()

    due_row = page.get_by_test_id("channels-payment_due")
    expect(due_row.get_by_label("Приближается срок платежа: Telegram")).to_be_checked()
    due_row.get_by_label("Приближается срок платежа: E-mail").uncheck()
    overdue_row = page.get_by_test_id("channels-payment_overdue")
    overdue_row.get_by_label("Просроченный платёж: СМС").check()
    overdue_row.get_by_label("Просроченный платёж: Telegram").uncheck()
    overdue_row.get_by_label("Просроченный платёж: E-mail").uncheck()
    page.get_by_test_id("notice-channels").get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Каналы уведомлений сохранены.")).to_be_visible()
    expect(page.get_by_test_id("channels-payment_overdue").get_by_label("Просроченный платёж: СМС")).to_be_checked()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.scrollingElement.scrollWidth")
    shot(page, "reminder-channels")

    day = timezone.localdate() + timedelta(days=20)  # the simulated date the daily job runs on
    soon = ScheduledPaymentFactory(
        contract=ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00101"),
        number=1,
        due_date=day + timedelta(days=1),
    )
    late = ScheduledPaymentFactory(
        contract=ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00102"),
        number=1,
        due_date=day - timedelta(days=5),
    )
    ScheduledPaymentFactory(  # 3 days ahead: not a reminder day
        contract=ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00103"),
        number=1,
        due_date=day + timedelta(days=3),
    )
    before = len(bot.sent)
    mail.outbox.clear()
    sms.outbox.clear()

    payment_reminders_send(today=day)
    payment_reminders_send(today=day)  # a second run (or a second machine) sends nothing again

    telegram_sent = bot.sent[before:]
    assert len(telegram_sent) == 1
    (message,) = telegram_sent
    assert message["chat_id"] == CHAT and "AL-26-00101" in message["text"]
    assert format_date(soon.due_date) in message["text"] and format_money(soon.outstanding) in message["text"]
    button = message["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert button == f"{live_server.url}/invoices/payment/{soon.pk}/"
    assert len(sms.outbox) == 1
    text = sms.outbox[0]["text"]
    assert "AL-26-00102" in text and "/s/" in text and channels.sms_segments(text) <= 2
    assert mail.outbox == []

    page.goto(button)
    expect(page.get_by_role("heading", name="Счёт на оплату")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.scrollingElement.scrollWidth")
    short = text.rsplit(" ", 1)[1]
    page.goto(short)
    expect(page).to_have_url(f"{live_server.url}/invoices/debt/{late.contract_id}/")
    shot(page, "reminder-debt-invoice")
