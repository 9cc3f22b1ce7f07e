"""The Telegram channel: linking a person's chat to their account, the bot's answers to updates, and the outbox
of notices (`TELEGRAM`, delivered by `kabinet.messaging.outbox` like SMS).

Linking: «Подключить Telegram» in «Профиль» issues a one-time code and shows `https://t.me/<bot>?start=<code>`;
Telegram sends `/start <code>` to the bot as the person presses «Start», and `telegram_update_handle` links that
chat to the code's owner (the code valid TELEGRAM_LINK_CODE_TTL seconds, used once). `/stop` unlinks. Updates
arrive by the webhook view or by `manage.py telegram_poll`; both call `telegram_update_handle`.

Delivery: a 403 from the Bot API (the person blocked the bot) marks the link blocked and the notice goes by
e-mail instead; a 429 tries again after the `retry_after` Telegram asked for.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.links import absolute
from kabinet.messaging.email import email_later
from kabinet.messaging.outbox import Channel as Outbox
from kabinet.messaging.outbox import Outcome, deliver, enqueue_on_commit, requeue_stale
from kabinet.messaging.telegram import BotApi, TelegramError
from kabinet.notifications.channels import channels_of_users, telegram_turn_on, unsubscribe_headers
from kabinet.notifications.models import TelegramLink, TelegramLinkCode, TelegramMessage

logger = logging.getLogger(__name__)

CODE_BYTES = 24  # 32 characters of [A-Za-z0-9_-]: within the 64 a `start` parameter may carry


def telegram_link_code_issue(*, user) -> TelegramLinkCode:
    return TelegramLinkCode.objects.create(
        user=user,
        code=secrets.token_urlsafe(CODE_BYTES),
        expires_at=timezone.now() + timedelta(seconds=settings.TELEGRAM_LINK_CODE_TTL),
    )


def telegram_unlink(*, user) -> bool:
    return TelegramLink.objects.filter(user=user).delete()[0] > 0


def _reply(chat_id: int, text: str) -> None:
    """The bot's answer in the chat; a failure is logged (the person can try again)."""
    try:
        BotApi().send_message(chat_id, text)
    except TelegramError as exc:
        logger.warning("telegram: the answer to chat %s was not sent: %s", chat_id, exc)


def _link(code: str, chat_id: int, username: str) -> str:
    """Link the chat to the code's owner; the sentence the bot answers with."""
    now = timezone.now()
    with transaction.atomic():
        found = TelegramLinkCode.objects.select_for_update().filter(code=code).select_related("user").first()
        if found is None:
            return _("This link is not valid. Get a new one: «Профиль» → «Подключить Telegram».")
        if found.used_at is not None:
            return _("This link has already been used. Get a new one: «Профиль» → «Подключить Telegram».")
        if found.expires_at <= now:
            return _("This link has expired. Get a new one: «Профиль» → «Подключить Telegram».")
        if not found.user.is_active:
            return _("This link is not valid. Get a new one: «Профиль» → «Подключить Telegram».")
        found.used_at = now
        found.save(update_fields=["used_at"])
        # One chat belongs to one person: a chat linked before to another account moves to this one.
        TelegramLink.objects.filter(chat_id=chat_id).exclude(user=found.user).delete()
        TelegramLink.objects.update_or_create(
            user=found.user, defaults={"chat_id": chat_id, "username": username[:64], "blocked_at": None}
        )
        telegram_turn_on(user=found.user)
    return _(
        "Done: the notices of the client portal will come to this chat. To stop them, send /stop or turn Telegram off "
        "in «Профиль»."
    )


def telegram_update_handle(update: dict[str, Any]) -> str:
    """Answer one Update of the Bot API; what it did ("linked", "unlinked", "refused", "help", "ignored")."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return "ignored"
    chat = message.get("chat") or {}
    chat_id = chat.get("id")
    text = message.get("text")
    if not isinstance(chat_id, int) or not isinstance(text, str) or chat.get("type", "private") != "private":
        return "ignored"
    username = str((message.get("from") or {}).get("username") or "")
    command, _space, argument = text.strip().partition(" ")
    command = command.split("@", 1)[0]  # "/start@kabinet_bot" in a group-style client
    if command == "/start" and argument.strip():
        answer = _link(argument.strip()[:64], chat_id, username)
        _reply(chat_id, answer)
        return "linked" if TelegramLink.objects.filter(chat_id=chat_id, blocked_at__isnull=True).exists() else "refused"
    if command == "/stop":
        deleted = TelegramLink.objects.filter(chat_id=chat_id).delete()[0]
        _reply(
            chat_id,
            _("The notices in Telegram are off. To turn them on again, use «Подключить Telegram» in «Профиль».")
            if deleted
            else _("This chat is not linked to the client portal."),
        )
        return "unlinked" if deleted else "help"
    _reply(
        chat_id,
        _(
            "This bot sends the notices of the client portal. To link it, press «Подключить Telegram» in «Профиль» "
            "of the client portal; to stop, send /stop."
        ),
    )
    return "help"


# ---------------------------------------------------------------------------------------------
# The outbox


def telegram_notify(
    *, link: TelegramLink, org, kind: str, title: str, body: str, url: str, hold_until: datetime | None
) -> TelegramMessage:
    """Queue one notice to a linked chat; held until `hold_until` (the end of quiet hours) when given."""
    message = TelegramMessage.objects.create(
        user_id=link.user_id,
        organization_name=org.name if org is not None else "",
        kind=kind,
        chat_id=link.chat_id,
        title=title[:255],
        body=body,
        link=url,
        enqueued_at=hold_until or timezone.now(),
    )
    enqueue_on_commit(TELEGRAM, message.pk, at=hold_until)
    return message


def message_text(message: TelegramMessage) -> str:
    parts = [message.title]
    if message.body:
        parts.append(message.body)
    if message.organization_name:
        parts.append(message.organization_name)
    return "\n\n".join(parts)[:4096]


def _fall_back_to_email(message: TelegramMessage) -> bool:
    """The notice by e-mail, unless the person gets this kind by e-mail anyway (or has no address)."""
    user = message.user
    if not user.email or (message.kind and "email" in channels_of_users([user], message.kind)[user.pk]):
        return False
    email_later(
        to=user.email,
        template="notification",
        context={
            "title": message.title,
            "body": message.body,
            "organization": {"name": message.organization_name},
            "link": absolute(message.link or "/"),
        },
        headers=unsubscribe_headers(user, message.kind) if message.kind else None,
    )
    return True


def _telegram_send(message: TelegramMessage) -> Outcome:
    """One try of one message (called by the outbox outside any transaction)."""
    try:
        provider_id = BotApi().send_message(
            message.chat_id,
            message_text(message),
            button_text=_("Open in the client portal") if message.link else "",
            button_url=absolute(message.link) if message.link else "",
            idempotency_key=message.idempotency_key(),
        )
    except TelegramError as exc:
        if exc.blocked:
            TelegramLink.objects.filter(user_id=message.user_id, chat_id=message.chat_id).update(
                blocked_at=timezone.now()
            )
            with transaction.atomic():
                fell_back = _fall_back_to_email(message)
            return Outcome(ok=False, retryable=False, error=str(exc), update={"fell_back_to_email": fell_back})
        return Outcome(ok=False, retryable=exc.retryable, error=str(exc), retry_after=exc.retry_after)
    return Outcome(ok=True, update={"provider_id": str(provider_id)})


def _telegram_task():
    from kabinet.notifications.tasks import deliver_telegram  # reason: a cycle (the task module runs this one)

    return deliver_telegram


TELEGRAM = Outbox(
    name="telegram",
    model=TelegramMessage,
    send=_telegram_send,
    task=_telegram_task,
    max_attempts=lambda: settings.TELEGRAM_DELIVERY_ATTEMPTS,
    retry_delay=lambda attempts: 30 * 2 ** (attempts - 1),
    select_related=("user",),
)


def telegram_deliver(message_id: int) -> str:
    return deliver(TELEGRAM, message_id)


def telegram_requeue_stale() -> int:
    return requeue_stale(TELEGRAM)
