"""Telling people: each active member on the channels they chose for the kind of notice
(`kabinet.notifications.channels`): a Notification row in the portal (read marks), e-mail, SMS and Telegram
through their outboxes, sent by background tasks after the transaction commits. SMS and Telegram wait through
the organization's quiet hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kabinet.accounts.models import SmsMessage
from kabinet.accounts.services import sms_notify
from kabinet.core.links import absolute
from kabinet.messaging import telegram as bot
from kabinet.messaging.email import email_later
from kabinet.messaging.quiet import quiet_until
from kabinet.notifications.channels import (
    channel_matrix,
    channels_of_users,
    notice_channels_set,
    sms_text,
    unsubscribe_headers,
)
from kabinet.notifications.models import Channel, NoticeDelivery, Notification, TelegramLink, TelegramMessage
from kabinet.notifications.telegram import telegram_notify
from kabinet.organizations.models import Membership


def wants_email(user, kind: str) -> bool:
    if not user.email:
        return False
    return Channel.EMAIL in channels_of_users([user], kind)[user.pk]


def notice_email(
    *, user, org, kind: str, title: str, body: str = "", link: str = "", creditor=None, items: list | None = None
) -> None:
    """The notice's letter (a plain-text part and an HTML one in the creditor's colours) with a one-click
    unsubscribe from this kind (RFC 8058). `items`: the lines of a digest, each a dict of title and link."""
    email_later(
        to=user.email,
        template="notification",
        context={
            "title": title,
            "body": body,
            "organization": org,
            "link": absolute(link or "/"),
            "creditor": creditor,
            "items": [{**item, "link": absolute(item.get("link") or "/")} for item in items or ()],
        },
        headers=unsubscribe_headers(user, kind),
    )


@dataclass
class Delivered:
    """What one notice to one person became on each channel (the reminders record it)."""

    portal: Notification | None = None
    email: bool = False
    sms: SmsMessage | None = None
    telegram: TelegramMessage | None = None


def notice_to(
    *,
    org,
    user,
    channels: set[str],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    creditor=None,
    items: list | None = None,
    sms: str = "",
    telegram_link: TelegramLink | None = None,
) -> Delivered:
    """Tell one person on exactly `channels` (already chosen by them; the caller claimed each one). Telegram
    without a reachable chat goes by e-mail instead, once (not when e-mail is among `channels` anyway). SMS
    and Telegram wait through the organization's quiet hours."""
    done = Delivered()
    hold = quiet_until(timezone.now(), org.time_zone)
    if Channel.PORTAL in channels:
        done.portal = Notification.objects.create(
            organization=org, user=user, kind=kind, title=title[:255], body=body, link=link
        )
    by_telegram = Channel.TELEGRAM in channels and bot.enabled()
    if by_telegram and telegram_link is not None and telegram_link.blocked_at is None:
        done.telegram = telegram_notify(
            link=telegram_link, org=org, kind=kind, title=title, body=body, url=link, hold_until=hold
        )
    if user.email and (Channel.EMAIL in channels or (by_telegram and done.telegram is None)):
        notice_email(user=user, org=org, kind=kind, title=title, body=body, link=link, creditor=creditor, items=items)
        done.email = True
    if Channel.SMS in channels and user.phone:
        done.sms = sms_notify(phone=str(user.phone), text=sms or sms_text(title, link or "/"), hold_until=hold)
    deliveries_record(org=org, kind=kind, title=title, done={user.pk: done})
    return done


def notice_send(
    *, org, users: list, kind: str, title: str, body: str = "", link: str = "", only: set[str] | None = None
) -> list[Notification]:
    """Tell each of `users` on the channels they chose for `kind` (of `only`, when a broadcast narrows them);
    the portal's rows it made. Each channel's delivery is recorded for the back office."""
    chosen = channels_of_users(users, kind)
    if only is not None:
        chosen = {pk: channels & only for pk, channels in chosen.items()}
    portal = Notification.objects.bulk_create(
        Notification(organization=org, user=u, kind=kind, title=title[:255], body=body, link=link)
        for u in users
        if Channel.PORTAL in chosen[u.pk]
    )
    telegram_on = bot.enabled()
    links = (
        {x.user_id: x for x in TelegramLink.objects.filter(user__in=[u.pk for u in users], blocked_at__isnull=True)}
        if telegram_on and any(Channel.TELEGRAM in c for c in chosen.values())
        else {}
    )
    hold = quiet_until(timezone.now(), org.time_zone)
    done: dict[int, Delivered] = {}
    in_portal = {n.user_id: n for n in portal}
    for user in users:
        channels = chosen[user.pk]
        told = done[user.pk] = Delivered(portal=in_portal.get(user.pk))
        by_telegram = telegram_on and Channel.TELEGRAM in channels
        chat = links.get(user.pk) if by_telegram else None
        # Telegram chosen but unreachable (not linked, or the bot blocked): the notice goes by e-mail instead.
        if user.email and (Channel.EMAIL in channels or (by_telegram and chat is None)):
            notice_email(user=user, org=org, kind=kind, title=title, body=body, link=link)
            told.email = True
        if Channel.SMS in channels and user.phone:
            told.sms = sms_notify(phone=str(user.phone), text=sms_text(title, link or "/"), hold_until=hold)
        if chat is not None:
            told.telegram = telegram_notify(
                link=chat, org=org, kind=kind, title=title, body=body, url=link, hold_until=hold
            )
    deliveries_record(org=org, kind=kind, title=title, done=done)
    return portal


def deliveries_record(*, org, kind: str, title: str, done: Mapping[int, Delivered]) -> None:
    """One row per person and channel the notice went on (the back office's «Доставка»)."""
    rows = []
    for user_id, told in done.items():
        common = {"user_id": user_id, "organization": org, "kind": kind, "title": title[:255]}
        if told.portal is not None:
            rows.append(NoticeDelivery(**common, channel=Channel.PORTAL))
        if told.email:
            rows.append(NoticeDelivery(**common, channel=Channel.EMAIL))
        if told.sms is not None:
            rows.append(NoticeDelivery(**common, channel=Channel.SMS, sms_message=told.sms))
        if told.telegram is not None:
            rows.append(NoticeDelivery(**common, channel=Channel.TELEGRAM, telegram_message=told.telegram))
    NoticeDelivery.objects.bulk_create(rows)


def members_notify(
    *, org, kind: str, title: str, body: str = "", link: str = "", only: set[str] | None = None
) -> list[Notification]:
    members = Membership.objects.filter(organization=org, status=Membership.Status.ACTIVE).select_related("user")
    with transaction.atomic():
        return notice_send(
            org=org, users=[m.user for m in members], kind=kind, title=title, body=body, link=link, only=only
        )


def administrators_notify(*, org, kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Tell only the organization's active administrators in the portal (e.g. a request to join, which
    only they decide; they also get its own e-mail, so none is sent here)."""
    admins = Membership.objects.filter(
        organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).values_list("user_id", flat=True)
    return Notification.objects.bulk_create(
        Notification(organization=org, user_id=user_id, kind=kind, title=title[:255], body=body, link=link)
        for user_id in admins
    )


def notifications_mark_read(*, org, user, ids: list[int] | None = None) -> int:
    unread = Notification.objects.for_org(org).filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def email_kinds_set(*, user, kinds: list[str]) -> None:
    """The e-mail column of the person's channels (the «Уведомления» page's form)."""
    matrix = channel_matrix(user)
    for kind, chosen in matrix.items():
        chosen.discard(Channel.EMAIL.value)
        if kind in kinds:
            chosen.add(Channel.EMAIL.value)
    notice_channels_set(user=user, matrix=matrix)
