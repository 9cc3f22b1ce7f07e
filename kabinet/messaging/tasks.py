"""Background work of the messaging app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from kabinet.core.metrics import delivery_failed


@task()
def send_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None, html: str = "") -> None:
    """One letter: the plain-text part, and an HTML one beside it when given; `headers` adds e.g.
    List-Unsubscribe (RFC 2369) and List-Unsubscribe-Post (RFC 8058)."""
    try:
        message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or None)
        if html:
            message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        delivery_failed("email")
        raise
