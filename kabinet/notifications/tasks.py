"""Background work of the notifications app. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task

from kabinet.notifications.telegram import telegram_deliver


@task()
def deliver_telegram(message_id: int) -> str:
    return telegram_deliver(message_id)
