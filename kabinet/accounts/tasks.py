"""Background work of the accounts app. Tasks take ids and call services."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def deliver_sms(message_id: int) -> str:
    from kabinet.accounts.services import sms_deliver

    return sms_deliver(message_id)


@task()
def send_email(to: str, subject: str, body: str) -> None:
    from kabinet.core.metrics import delivery_failed

    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        delivery_failed("email")
        raise


@task()
def send_password_reset(phone: str, portal_url: str, ip: str = "") -> bool:
    from kabinet.accounts.services import password_reset_send

    return password_reset_send(phone=phone, portal_url=portal_url, ip=ip)
