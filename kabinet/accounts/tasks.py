"""Background work of the accounts app. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task

from kabinet.accounts.services import password_reset_send, sms_deliver

# Moved to the messaging app (with every outbox channel); the old path stays importable so that letters queued under
# `kabinet.accounts.tasks.send_email` before a deploy are still sent.
from kabinet.messaging.tasks import send_email  # noqa: F401


@task()
def deliver_sms(message_id: int) -> str:
    return sms_deliver(message_id)


@task()
def send_password_reset(phone: str, ip: str = "") -> bool:
    return password_reset_send(phone=phone, ip=ip)
