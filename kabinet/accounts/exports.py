"""The copy of a person's data (§10, 152-FZ), as JSON and PDF: what the portal keeps about the person, with
the sections apps above accounts contribute (`register()` from their AppConfig.ready()). A person's own rows
are read across every organization (`.unscoped()`): they are scoped by the person. See docs/architecture.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from kabinet.accounts.models import Registration, User
from kabinet.accounts.selectors import consents_of
from kabinet.audit.models import AuditEvent
from kabinet.core.phones import format_phone


@dataclass(frozen=True)
class Section:
    """What an app above accounts keeps about a person (the requests they filed, the support messages
    they wrote), contributed from its AppConfig.ready() with `register()`, so this module imports no
    app above it. `export` gives the section's rows for the copy of the data; `erase`, if given,
    removes the person's contact data from those rows and returns how many rows it changed."""

    key: str
    export: Callable[[User], list[dict[str, Any]]]
    erase: Callable[[User], int] | None = None


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    """The registered sections, in the order the apps registered them."""
    return list(_SECTIONS.values())


def when(value) -> str:
    """A moment as the copy of the data shows it (local time, «28.11.2026 09:15»)."""
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def personal_data(user: User) -> dict[str, Any]:
    """Everything the portal keeps about the person (not about their organizations), readable by a human."""
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    return {
        "generated_at": when(timezone.now()),
        "profile": {
            "full_name": user.full_name,
            "phone": format_phone(str(user.phone)),
            "email": user.email,
            "registered_at": when(user.date_joined),
            "last_sign_in": when(user.last_login),
            "notifications_by_email": list(user.email_notification_kinds or []),
        },
        "organizations": [
            {
                "organization": m.organization.name,
                "inn": m.organization.inn,
                "role": m.get_role_display(),
                "status": m.get_status_display(),
            }
            for m in memberships
        ],
        "consents": [
            {
                "document": c.document.title,
                "version": c.version,
                "accepted_at": when(c.accepted_at),
                "ip": c.ip or "",
                "withdrawn_at": when(c.withdrawal.withdrawn_at) if hasattr(c, "withdrawal") else "",
            }
            for c in consents_of(user)
        ],
        "registrations": [
            {
                "company": r.company_name,
                "inn": r.inn,
                "full_name": r.full_name,
                "phone": format_phone(str(r.phone)),
                "email": r.email,
                "status": r.get_status_display(),
                "created_at": when(r.created_at),
                "ip": r.ip or "",
            }
            for r in Registration.objects.filter(user=user).order_by("created_at")
        ],
        **{key: section.export(user) for key, section in _SECTIONS.items()},
        "sign_ins_and_actions": [
            {"action": e.action, "at": when(e.created_at), "ip": e.ip or ""}
            for e in AuditEvent.objects.unscoped().filter(actor=user).order_by("-created_at")[:500]
        ],
    }


def personal_data_json(user: User) -> bytes:
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2).encode("utf-8")


def personal_data_pdf(user: User) -> bytes:
    from weasyprint import HTML  # reason: a heavy import (~1 s), paid only by the PDF export

    html = render_to_string("accounts/personal_data_pdf.html", {"data": personal_data(user), "person": user})
    return HTML(string=html).write_pdf()
