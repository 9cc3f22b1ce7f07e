"""E-mail: rendered by the Jinja2 engine from `templates/jinja2/email/<name>_subject.txt` and `_body.txt` (the
plain-text part every letter has) and, when the template exists, `_body.html` (an HTML part beside it, in the
creditor's colours); sent by the worker after the transaction commits (a rolled-back change sends nothing)."""

from __future__ import annotations

from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from kabinet.messaging.tasks import send_email

ENGINE = "jinja2"


def render_email(template: str, context: dict) -> tuple[str, str]:
    """(subject on one line, plain-text body)."""
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context, using=ENGINE).split())
    return subject, render_to_string(f"email/{template}_body.txt", context, using=ENGINE).strip() + "\n"


def render_email_html(template: str, context: dict) -> str:
    """The letter's HTML part, or "" when the letter has none."""
    try:
        return render_to_string(f"email/{template}_body.html", context, using=ENGINE)
    except TemplateDoesNotExist:
        return ""


def email_later(*, to: str, template: str, context: dict, headers: dict[str, str] | None = None) -> None:
    """Render the letter now and queue it for after commit; nothing when there is no address."""
    if not to:
        return
    subject, body = render_email(template, context)
    html = render_email_html(template, context)
    if html:
        transaction.on_commit(lambda: send_email.enqueue(to, subject, body, headers or None, html))
    elif headers:
        transaction.on_commit(lambda: send_email.enqueue(to, subject, body, headers))
    else:
        transaction.on_commit(lambda: send_email.enqueue(to, subject, body))
