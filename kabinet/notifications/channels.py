"""Which channels reach a person for each kind of notice (in the portal, e-mail, SMS, Telegram), and the texts
each channel carries.

A person without a choice for a kind gets it in the portal and by e-mail (the e-mail as chosen on «Уведомления»
before channels existed). Telegram is offered only when the bot is configured (TELEGRAM_BOT_TOKEN). Codes
(sign-in, signing) are not notices: nothing here touches them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from kabinet.core.links import absolute
from kabinet.core.prepared import Prepared
from kabinet.messaging import telegram
from kabinet.notifications.models import Channel, NoticeChannels, Notification, ShortLink, TelegramLink

UNSUBSCRIBE_SALT = "kabinet.notifications.unsubscribe"

# An SMS of Cyrillic text is UCS-2: 70 characters in one segment, 67 in each of a longer one's.
SMS_SEGMENT, SMS_PART = 70, 67
SMS_MAX_SEGMENTS = 2


def channels_offered() -> list[Channel]:
    return [c for c in Channel if c != Channel.TELEGRAM or telegram.enabled()]


def _default(user, kind: str) -> set[str]:
    chosen = {Channel.PORTAL.value}
    if kind in user.email_notification_kinds if user.email_notifications_set else True:
        chosen.add(Channel.EMAIL.value)
    return chosen


def _from_row(row: NoticeChannels) -> set[str]:
    return {c.value for c in Channel if getattr(row, c.value)}


def channels_of_users(users: Iterable, kind: str) -> dict[int, set[str]]:
    """Each user's channels for `kind` (one query for all of them)."""
    users = list(users)
    rows = {r.user_id: r for r in NoticeChannels.objects.filter(user__in=[u.pk for u in users], kind=kind)}
    return {u.pk: _from_row(rows[u.pk]) if u.pk in rows else _default(u, kind) for u in users}


# Payment reminders may come as one daily digest instead of one message per line.
DIGEST_KINDS = (Notification.Kind.PAYMENT_DUE.value, Notification.Kind.PAYMENT_OVERDUE.value)


def digest_users(users: Iterable, kind: str) -> set[int]:
    """The ids of those of `users` who chose the daily digest for `kind` (one query)."""
    ids = [u.pk for u in users]
    return set(NoticeChannels.objects.filter(user__in=ids, kind=kind, digest=True).values_list("user_id", flat=True))


# The person's choices (a row per kind chosen), compiled once per thread: the profile page reads them.
_CHOICES = Prepared(lambda user_id: NoticeChannels.objects.filter(user_id=user_id))


def _choices(user) -> dict[str, NoticeChannels]:
    return {r.kind: r for r in _CHOICES.objects(user_id=user.pk)}


def channel_matrix(user, rows: dict[str, NoticeChannels] | None = None) -> dict[str, set[str]]:
    """kind → the channels chosen for it, for every kind (from the person's rows when they are read already)."""
    rows = _choices(user) if rows is None else rows
    return {kind: _from_row(rows[kind]) if kind in rows else _default(user, kind) for kind in Notification.Kind.values}


def notice_channels_set(*, user, matrix: Mapping[str, Iterable[str]], digest: Iterable[str] | None = None) -> None:
    """Save the person's whole choice (kinds missing from `matrix` get no channel). A channel not offered now
    (Telegram without a bot) keeps what was chosen before. `digest`: the payment kinds to come as one daily
    digest (None keeps the present choice)."""
    offered = {c.value for c in channels_offered()}
    current = channel_matrix(user)
    digests = set(digest) & set(DIGEST_KINDS) if digest is not None else None
    with transaction.atomic():
        for kind in Notification.Kind.values:
            chosen = (set(matrix.get(kind, ())) & offered) | (current[kind] - offered)
            defaults: dict[str, bool] = {c.value: c.value in chosen for c in Channel}
            if digests is not None:
                defaults["digest"] = kind in digests
            NoticeChannels.objects.update_or_create(user=user, kind=kind, defaults=defaults)
        # The e-mail choice of «Уведомления» reads the same answer.
        kinds = Notification.Kind.values
        user.email_notification_kinds = sorted(k for k in kinds if Channel.EMAIL in matrix.get(k, ()))
        user.email_notifications_set = True
        user.save(update_fields=["email_notification_kinds", "email_notifications_set"])


def telegram_turn_on(*, user) -> None:
    """On linking Telegram: a person who chose it for no kind yet gets every kind there too."""
    if NoticeChannels.objects.filter(user=user, telegram=True).exists():
        return
    for kind, chosen in channel_matrix(user).items():
        NoticeChannels.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={c.value: c.value in chosen or c == Channel.TELEGRAM for c in Channel},
        )


# ---------------------------------------------------------------------------------------------
# E-mail: one-click unsubscribe (RFC 8058)


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a genuine token, else None."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if data.get("k") not in Notification.Kind.values:
        return None
    return data["u"], data["k"]


def email_unsubscribe(*, user, kind: str) -> None:
    """Turn this kind's e-mail off for the person (the other channels stay as they are)."""
    with transaction.atomic():
        chosen = channel_matrix(user)[kind] - {Channel.EMAIL.value}
        NoticeChannels.objects.update_or_create(
            user=user, kind=kind, defaults={c.value: c.value in chosen for c in Channel}
        )
        if user.email_notifications_set:
            user.email_notification_kinds = [k for k in user.email_notification_kinds if k != kind]
        else:
            user.email_notification_kinds = [k for k in Notification.Kind.values if k != kind]
            user.email_notifications_set = True
        user.save(update_fields=["email_notification_kinds", "email_notifications_set"])


def unsubscribe_headers(user, kind: str) -> dict[str, str]:
    url = absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)]))
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# ---------------------------------------------------------------------------------------------
# SMS


def sms_limit(text: str) -> int:
    """How many characters `SMS_MAX_SEGMENTS` segments hold for this text (UCS-2 as soon as one is not ASCII)."""
    if text.isascii():
        return 160 if SMS_MAX_SEGMENTS == 1 else 153 * SMS_MAX_SEGMENTS
    return SMS_SEGMENT if SMS_MAX_SEGMENTS == 1 else SMS_PART * SMS_MAX_SEGMENTS


def sms_segments(text: str) -> int:
    single, part = (160, 153) if text.isascii() else (SMS_SEGMENT, SMS_PART)
    return 1 if len(text) <= single else -(-len(text) // part)


SHORT_CODE_BYTES = 9  # 12 characters of [A-Za-z0-9_-]: 72 random bits
SHORT_CODE_LENGTH = 12


def portal_path(path: str) -> bool:
    """A path of the portal itself («/invoices/payment/5/»), never another site («//evil», «https://…»)."""
    return (
        path.startswith("/")
        and not path.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    )


def short_url(path: str) -> str:
    """The portal's short address of one of its paths (`/s/<code>`), made once per path; the full address for
    anything that is not a portal path."""
    full = absolute(path)
    if not portal_path(path) or len(path) > 255 or len(full) <= len(absolute("/s/")) + SHORT_CODE_LENGTH:
        return full  # not the portal's, too long to keep, or as short as a short link would be
    found = ShortLink.objects.filter(path=path).first()
    if found is None:
        try:
            with transaction.atomic():
                found = ShortLink.objects.create(path=path, code=secrets.token_urlsafe(SHORT_CODE_BYTES))
        except IntegrityError:  # made at the same moment by another worker
            found = ShortLink.objects.filter(path=path).first()
    if found is None:
        return full
    return absolute(reverse("notifications:short", args=[found.code]))


def short_link_target(code: str) -> str | None:
    """The portal path of a short code, or None (reads only)."""
    found = ShortLink.objects.filter(code=code[:16]).values_list("path", flat=True).first()
    return found if found and portal_path(found) else None


def sms_text(title: str, link: str) -> str:
    """The notice's title and its short link, the title shortened (…) so that the whole fits two segments."""
    url = short_url(link) if link else ""
    tail = f" {url}" if url else ""
    text = f"{title}{tail}"
    limit = sms_limit(text)
    if len(text) > limit:
        room = max(limit - len(tail) - 1, 0)
        text = f"{title[:room].rstrip()}…{tail}"
    return text


def channels_card(user) -> dict:
    """What «Профиль»'s «Каналы уведомлений» card shows (reads only): plain strings for the kinds × channels
    boxes (a lazy label resolved once, not in every cell), and the Telegram link."""
    chosen = _choices(user)
    matrix = channel_matrix(user, chosen)
    digests = {kind for kind, row in chosen.items() if row.digest}
    offered = [(c.value, str(c.label)) for c in channels_offered()]
    rows = []
    for kind, lazy_label in Notification.Kind.choices:
        label = str(lazy_label)
        cells = [
            {
                "id": f"ch-{kind}-{value}",
                "value": value,
                "label": name,
                "full": f"{label}: {name}",
                "on": value in matrix[kind],
            }
            for value, name in offered
        ]
        rows.append(
            {
                "kind": kind,
                "label": label,
                "cells": cells,
                "digest_offered": kind in DIGEST_KINDS,
                "digest": kind in digests,
            }
        )
    return {
        "channels": [name for _, name in offered],
        "rows": rows,
        "telegram_on": telegram.enabled(),
        "telegram_link": TelegramLink.objects.filter(user=user).first() if telegram.enabled() else None,
    }
