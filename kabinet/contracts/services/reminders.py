"""Payment reminders on the schedule each creditor sets («Напоминания об оплате», days from the due date:
by default 5 and 1 days before, on the day, 1, 5 and 10 days after), run daily by the scheduler
(`payment_reminders` in `kabinet.web.jobs`).

Each reminder names the contract, the amount and the date, and opens «Счёт на оплату» of the line (before
and on the day) or «Счёт на оплату задолженности» of the contract (after it). An overdue line the books show
paid is not reminded of again. Every active member gets it on the channels they chose for the kind
(«Скоро срок оплаты» before and on the day, «Просроченный платёж» after), one message per line or, when they
chose it, one daily digest.

Never twice: before a channel's message is made, a `PaymentReminder` row (person, line, offset, channel) is
inserted in the same transaction; its unique key refuses a second run's insert, on the same machine or on
another (on PostgreSQL the second insert waits for the first transaction and then fails), and the
message is not made again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.contracts.ledger import lines_to_remind
from kabinet.contracts.models import PaymentReminder, ScheduledPayment
from kabinet.core.formatting import format_date, format_money
from kabinet.creditors.models import DEFAULT_REMINDER_DAYS, Creditor, reminder_days_parse
from kabinet.notifications.channels import channels_of_users, digest_users
from kabinet.notifications.models import Channel, Notification, TelegramLink
from kabinet.notifications.services import Delivered, notice_to
from kabinet.organizations.models import Membership, Organization

DUE = Notification.Kind.PAYMENT_DUE.value
OVERDUE = Notification.Kind.PAYMENT_OVERDUE.value


@dataclass(frozen=True)
class Due:
    """One line to remind of today, `offset` days from its due date."""

    line: ScheduledPayment
    offset: int
    creditor: Creditor

    @property
    def kind(self) -> str:
        return OVERDUE if self.offset > 0 else DUE

    @property
    def link(self) -> str:
        """«Счёт на оплату» of the line before and on the day; «Счёт на оплату задолженности» after it."""
        if self.offset > 0:
            return reverse("invoices:debt", args=[self.line.contract_id])
        return reverse("invoices:payment", args=[self.line.pk])

    @property
    def title(self) -> str:
        values = {
            "number": self.line.contract.number,
            "date": format_date(self.line.due_date),
            "amount": format_money(self.line.outstanding),
        }
        if self.offset > 0:
            return _("Payment under contract %(number)s overdue since %(date)s: %(amount)s") % values
        if self.offset == 0:
            return _("Payment under contract %(number)s due today, %(date)s: %(amount)s") % values
        return _("Payment under contract %(number)s due %(date)s: %(amount)s") % values

    @property
    def body(self) -> str:
        if self.offset > 0:
            return _("«Счёт на оплату задолженности» opens by the link. If you have paid, ignore this reminder.")
        return _("«Счёт на оплату» opens by the link.")


def reminders_due(today: date) -> dict[int, list[Due]]:
    """The lines to remind of today, by organization: each line's creditor's days (the defaults without one)."""
    creditors = list(Creditor.objects.all())
    fallback = reminder_days_parse(DEFAULT_REMINDER_DAYS)
    offsets = {c.pk: c.reminder_offsets() for c in creditors}
    every = {o for days in offsets.values() for o in days} or set(fallback)
    found: dict[int, list[Due]] = defaultdict(list)
    for line in lines_to_remind(sorted(today - timedelta(days=o) for o in every)):
        creditor = line.contract.product.creditor
        offset = (today - line.due_date).days
        if line.outstanding > 0 and offset in offsets.get(creditor.pk, fallback):
            found[line.organization_id].append(Due(line, offset, creditor))
    return found


def _claim(org: Organization, user, due: Due, channel: str, today: date, digest: bool) -> PaymentReminder | None:
    """Insert the reminder's key; None when it was sent already (by this job or another scheduler)."""
    try:
        with transaction.atomic():
            return PaymentReminder.objects.create(
                organization=org,
                user=user,
                line=due.line,
                offset=due.offset,
                channel=channel,
                sent_on=today,
                digest=digest,
            )
    except IntegrityError:
        return None


def _digest_title(items: list[Due]) -> str:
    kinds = {d.kind for d in items}
    if kinds == {OVERDUE}:
        return _("Overdue payments: %(count)d") % {"count": len(items)}
    return _("Payments to make: %(count)d") % {"count": len(items)}


def _tell(org: Organization, user, items: list[Due], channels: set[str], today: date, digest: bool, chat) -> int:
    """Claim each channel of each line, then send one message per group of channels that claimed the same
    lines (all of them the first time, none on a repeat). The reminders recorded."""
    claimed: dict[str, list[tuple[Due, PaymentReminder]]] = {}
    for channel in sorted(channels):
        rows = [(due, row) for due in items if (row := _claim(org, user, due, channel, today, digest)) is not None]
        if rows:
            claimed[channel] = rows
    groups: dict[tuple[int, ...], set[str]] = defaultdict(set)
    for channel, rows in claimed.items():
        groups[tuple(due.line.pk for due, _row in rows)].add(channel)
    for line_ids, group in groups.items():
        told = [due for due in items if due.line.pk in line_ids]
        if len(told) == 1:
            (one,) = told
            title, body, link, lines = one.title, one.body, one.link, None
        else:
            title = _digest_title(told)
            body = "\n".join(d.title for d in told)
            link = reverse("invoices:list")
            lines = [{"title": d.title, "link": d.link} for d in told]
        done: Delivered = notice_to(
            org=org,
            user=user,
            channels=group,
            kind=told[0].kind,
            title=title,
            body=body,
            link=link,
            creditor=told[0].creditor,
            items=lines,
            telegram_link=chat,
        )
        for channel in group:
            ids = [row.pk for _due, row in claimed[channel]]
            if channel == Channel.SMS and done.sms is not None:
                PaymentReminder.objects.filter(pk__in=ids).update(sms_message=done.sms)
            if channel == Channel.TELEGRAM and done.telegram is not None:
                PaymentReminder.objects.filter(pk__in=ids).update(telegram_message=done.telegram)
    return sum(len(rows) for rows in claimed.values())


def _remind_organization(org: Organization, items: list[Due], today: date) -> int:
    members = (
        Membership.objects.filter(organization=org, status=Membership.Status.ACTIVE, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    users = [m.user for m in members]
    if not users:
        return 0
    chosen = {kind: channels_of_users(users, kind) for kind in (DUE, OVERDUE)}
    digests = {kind: digest_users(users, kind) for kind in (DUE, OVERDUE)}
    chats = {link.user_id: link for link in TelegramLink.objects.filter(user__in=[u.pk for u in users])}
    count = 0
    for user in users:
        for kind in (DUE, OVERDUE):
            lines = [due for due in items if due.kind == kind]
            channels = chosen[kind][user.pk]
            if not lines or not channels:
                continue
            digest = user.pk in digests[kind]
            batches = [lines] if digest else [[due] for due in lines]
            for batch in batches:
                count += _tell(org, user, batch, channels, today, digest, chats.get(user.pk))
    return count


def payment_reminders_send(*, today: date | None = None) -> int:
    """Send today's reminders (idempotent: a repeat sends nothing); how many reminders were recorded."""
    today = today or timezone.localdate()
    due = reminders_due(today)
    orgs = Organization.objects.in_bulk(list(due))
    count = 0
    for org_id in sorted(due):
        # One organization at a time: its keys and messages commit together.
        with transaction.atomic():
            count += _remind_organization(orgs[org_id], due[org_id], today)
    return count
