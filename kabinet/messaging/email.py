"""E-mail: rendered from `templates/emails/<name>_subject.txt` and `_body.txt`, sent by the worker after
the transaction commits (a rolled-back change sends nothing)."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string

from kabinet.messaging.tasks import send_email


def render_email(template: str, context: dict) -> tuple[str, str]:
    """(subject on one line, body)."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    return subject, render_to_string(f"emails/{template}_body.txt", context)


def email_later(*, to: str, template: str, context: dict) -> None:
    """Render the letter now and queue it for after commit; nothing when there is no address."""
    if not to:
        return
    subject, body = render_email(template, context)
    transaction.on_commit(lambda: send_email.enqueue(to, subject, body))
