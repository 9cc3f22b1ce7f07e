"""Background work of the messaging app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from kabinet.core.metrics import delivery_failed


@task()
def send_email(to: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        delivery_failed("email")
        raise
