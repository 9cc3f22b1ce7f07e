"""Payment reminders on the creditor's days: before, on and after the due date, with the contract, the amount, the
date and the invoice's link; never twice for the same person, line, day and channel (two runs, two schedulers);
overdue reminders stop once the books show the line paid; a daily digest; SMS within two segments with a short
link; quiet hours; the letter's HTML part in the creditor's colours; one-click unsubscribe."""

from __future__ import annotations

import threading
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts.models import SmsMessage
from kabinet.contracts.models import PaymentReminder, ScheduledPayment
from kabinet.contracts.services import payment_reminders_send
from kabinet.core.formatting import format_date, format_money
from kabinet.messaging import sms
from kabinet.notifications import channels
from kabinet.notifications.models import NoticeChannels, Notification, ShortLink
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse
from kabinet.web import jobs

DEFAULT_DAYS = [-5, -1, 0, 1, 5, 10]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def no_quiet_hours(settings):
    settings.QUIET_HOURS_START = settings.QUIET_HOURS_END


@pytest.fixture
def lines(org_a, products, today):
    """One unpaid line on each default day, one on a day without a reminder, one overdue line paid."""
    made: dict[int | str, ScheduledPayment] = {}
    for n, offset in enumerate([*DEFAULT_DAYS, -3], start=1):
        contract = ContractFactory(organization=org_a, product=products["auto"], number=f"AL-R-{n:02d}")
        made[offset] = ScheduledPaymentFactory(
            contract=contract, number=1, due_date=today - timedelta(days=offset), amount=Decimal("1000.00") * n
        )
    paid = ContractFactory(organization=org_a, product=products["auto"], number="AL-R-PAID")
    made["paid"] = ScheduledPaymentFactory(
        contract=paid, number=1, due_date=today - timedelta(days=5), amount=Decimal("500.00"), is_paid=True
    )
    return made


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the day's reminders and what they queue after commit (letters, SMS deliveries)."""

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return payment_reminders_send(today=day)

    return run


def _html(letter) -> tuple[str, str]:
    """The letter's HTML part and its type (the letters are EmailMultiAlternatives)."""
    assert isinstance(letter, EmailMultiAlternatives)
    content, mimetype = letter.alternatives[0]
    return str(content), mimetype


def _portal(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("title"))


def test_each_default_day_tells_the_contract_amount_date_and_opens_the_right_invoice(
    remind, admin_a, lines, today, no_quiet_hours
):
    assert remind(today) == 6 * 2  # six lines, in the portal and by e-mail
    told = {n.title: n for n in _portal(admin_a)}
    assert len(told) == 6
    for offset in DEFAULT_DAYS:
        line = lines[offset]
        amount, date = format_money(line.outstanding), format_date(line.due_date)
        (title,) = [t for t in told if line.contract.number in t]
        assert amount in title and date in title
        notice = told[title]
        if offset > 0:
            assert notice.kind == "payment_overdue" and "просрочен" in title
            assert notice.link == reverse("invoices:debt", args=[line.contract_id])
            assert "Счёт на оплату задолженности" in notice.body
        else:
            assert notice.kind == "payment_due"
            assert notice.link == reverse("invoices:payment", args=[line.pk])
            assert "Счёт на оплату" in notice.body
    assert not any(lines[-3].contract.number in t for t in told)  # no reminder 3 days before
    assert not any("AL-R-PAID" in t for t in told)  # the books show it paid: overdue reminders stop
    assert len(mail.outbox) == 6
    # The one-tap link of the letter is the portal's absolute address of the invoice.
    letter = next(m for m in mail.outbox if lines[1].contract.number in m.subject)
    assert "http://127.0.0.1:8000" + reverse("invoices:debt", args=[lines[1].contract_id]) in letter.body


def test_a_second_run_the_same_day_sends_nothing_again(remind, admin_a, manager_a, lines, today, no_quiet_hours):
    first = remind(today)
    assert first == 6 * 2 * 2  # two members
    counts = (Notification.objects.count(), len(mail.outbox), PaymentReminder.objects.count())
    assert remind(today) == 0
    assert (Notification.objects.count(), len(mail.outbox), PaymentReminder.objects.count()) == counts
    # The next day has its own reminders (the line 1 day overdue is now 2 days overdue: not a default day).
    assert remind(today + timedelta(days=1)) == 2 * 2 * 2  # -1 → 0 and 0 → +1


def test_the_unique_key_refuses_a_second_reminder_of_the_same_person_line_offset_and_channel(admin_a, lines, today):
    row = {"organization": admin_a.memberships.first().organization, "user": admin_a, "line": lines[0]}
    PaymentReminder.objects.create(**row, offset=0, channel="sms", sent_on=today)
    PaymentReminder.objects.create(**row, offset=0, channel="email", sent_on=today)  # another channel: fine
    PaymentReminder.objects.create(**row, offset=1, channel="sms", sent_on=today)  # another day: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReminder.objects.create(**row, offset=0, channel="sms", sent_on=today)


def test_a_run_that_finds_its_keys_taken_sends_nothing_for_them(remind, admin_a, org_a, lines, today, no_quiet_hours):
    """What a second scheduler on another machine meets: the first one's keys are in; it sends only the rest."""
    for channel in ("portal", "email"):
        PaymentReminder.objects.create(
            organization=org_a, user=admin_a, line=lines[0], offset=0, channel=channel, sent_on=today
        )
    assert remind(today) == 5 * 2
    assert not any(lines[0].contract.number in n.title for n in _portal(admin_a))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test (CI runs it there)")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_remind_each_person_of_each_line_once(admin_a, lines, today, no_quiet_hours):
    start = threading.Barrier(2)
    results: dict[str, int] = {}

    def scheduler(name: str) -> None:
        try:
            start.wait(10)
            results[name] = payment_reminders_send(today=today)  # THREAD
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(results.values()) == 6 * 2
    assert Notification.objects.filter(user=admin_a).count() == 6
    assert len(mail.outbox) == 6


def test_the_creditor_sets_the_days(remind, admin_a, creditor, lines, today, no_quiet_hours):
    creditor.reminder_days = "-3, 5"
    creditor.full_clean()
    creditor.save()
    remind(today)
    titles = [n.title for n in _portal(admin_a)]
    assert len(titles) == 2
    assert any(lines[-3].contract.number in t for t in titles) and any(lines[5].contract.number in t for t in titles)
    creditor.reminder_days = "через неделю"
    with pytest.raises(Exception, match="reminder_days"):
        creditor.full_clean()


def test_sms_for_overdue_only_fits_two_segments_with_a_short_link_that_only_redirects(
    remind, admin_a, lines, today, no_quiet_hours, settings
):
    settings.PORTAL_URL = "https://lk.example-leasing.ru"
    channels.notice_channels_set(
        user=admin_a,
        matrix={"payment_due": ["portal"], "payment_overdue": ["sms"]},
    )
    remind(today)
    texts = [m["text"] for m in sms.outbox]
    assert len(texts) == 3  # the three overdue lines, none of those due
    for text in texts:
        assert channels.sms_segments(text) <= 2 and "https://lk.example-leasing.ru/s/" in text
    one = next(t for t in texts if lines[10].contract.number in t)
    assert format_money(lines[10].outstanding) in one and format_date(lines[10].due_date) in one
    code = one.rsplit("/s/", 1)[1]
    assert len(code) >= 12
    # The short link leads to «Счёт на оплату задолженности», and following it writes nothing.
    with CaptureQueriesContext(connection) as ctx:
        response = Client().get(f"/s/{code}")
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:debt", args=[lines[10].contract_id])
    assert not [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert Client().get("/s/notacode").status_code == 404
    assert Client().post(f"/s/{code}").status_code == 405
    # A code can only ever stand for a path of the portal.
    ShortLink.objects.create(code="evilcodeabcd", path="//evil.example.com/")
    assert Client().get("/s/evilcodeabcd").status_code == 404
    rows = PaymentReminder.objects.filter(channel="sms")
    assert rows.count() == 3 and all(r.sms_message_id for r in rows)


def test_quiet_hours_hold_sms_but_not_the_portal_or_e_mail(remind, admin_a, lines, today, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = time(0, 0), time(23, 59)  # always quiet
    channels.notice_channels_set(user=admin_a, matrix={"payment_due": ["portal", "email", "sms"]})
    remind(today)
    held = list(SmsMessage.objects.all())
    assert len(held) == 3 and not sms.outbox
    assert all(m.enqueued_at > timezone.now() and m.status == SmsMessage.Status.QUEUED for m in held)
    assert Notification.objects.filter(user=admin_a, kind="payment_due").count() == 3
    assert len(mail.outbox) == 3


def test_a_daily_digest_tells_every_line_in_one_message_per_channel(remind, admin_a, lines, today, no_quiet_hours):
    channels.notice_channels_set(
        user=admin_a,
        matrix={"payment_due": ["portal", "email"], "payment_overdue": ["portal", "email"]},
        digest=["payment_due"],
    )
    assert NoticeChannels.objects.get(user=admin_a, kind="payment_due").digest
    remind(today)
    due = Notification.objects.filter(user=admin_a, kind="payment_due")
    assert due.count() == 1  # one digest of the three lines due
    (digest,) = due
    for offset in (-5, -1, 0):
        assert lines[offset].contract.number in digest.body
    assert Notification.objects.filter(user=admin_a, kind="payment_overdue").count() == 3  # one per line
    letter = next(m for m in mail.outbox if "Платежи к оплате" in m.subject)
    html = _html(letter)[0]
    for offset in (-5, -1, 0):
        assert reverse("invoices:payment", args=[lines[offset].pk]) in html
    assert PaymentReminder.objects.filter(user=admin_a, digest=True, channel="email").count() == 3
    assert remind(today) == 0


def test_the_letter_has_an_html_part_in_the_creditors_colours_and_one_post_unsubscribes(
    remind, admin_a, creditor, lines, today, no_quiet_hours
):
    creditor.accent_color = "#aa3300"
    creditor.save()
    remind(today)
    letter = next(m for m in mail.outbox if lines[0].contract.number in m.subject)
    assert letter.body.strip() and lines[0].contract.number in letter.body  # the plain-text part
    html, mimetype = _html(letter)
    assert mimetype == "text/html" and "#aa3300" in html and creditor.short_name in html
    assert letter.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = letter.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert Client().post(path).status_code == 200  # one POST, no session, no CSRF token
    assert "email" not in channels.channel_matrix(admin_a)["payment_due"]
    mail.outbox.clear()
    remind(today + timedelta(days=1))
    assert all(lines[-1].contract.number not in m.subject for m in mail.outbox)  # now on the day: no letter


def test_the_scheduler_runs_the_reminders_daily(settings):
    (job,) = [j for j in jobs.registered() if j.name == "payment_reminders"]
    assert isinstance(job.schedule, jobs.DailyAt) and job.schedule.at == settings.PAYMENTS_DUE_AT


def test_the_profile_offers_the_daily_digest_for_payment_reminders_only(client_a, admin_a):
    response = client_a.post(
        "/profile/channels/",
        {
            "channels-payment_due": ["portal", "email"],
            "channels-payment_overdue": ["sms"],
            "digest": ["payment_due", "key_rate"],
        },
    )
    assert response.status_code == 302
    digests = dict(NoticeChannels.objects.filter(user=admin_a).values_list("kind", "digest"))
    assert digests["payment_due"] is True and digests["payment_overdue"] is False and digests["key_rate"] is False
    page = parse(client_a.get("/profile/"))
    assert "checked" in page.find("input", id="digest-payment_due").attrs
    assert "checked" not in page.find("input", id="digest-payment_overdue").attrs
    assert not page.find_all("input", id="digest-key_rate")
    assert "checked" in page.find("input", id="ch-payment_overdue-sms").attrs
