"""The requests a person filed, in their copy of the personal data and erased with it
(registered with `kabinet.accounts.exports` from AppealsConfig.ready)."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.exports import Section, when
from kabinet.appeals.models import Appeal
from kabinet.core.phones import format_phone


def export(user) -> list[dict[str, Any]]:
    return [
        {
            "number": a.number,
            "created_at": when(a.created_at),
            "full_name": a.full_name,
            "phone": format_phone(a.phone) if a.phone else "",
            "description": a.description,
        }
        for a in Appeal.objects.unscoped().filter(created_by=user).order_by("created_at")
    ]


def erase(user) -> int:
    return Appeal.objects.unscoped().filter(created_by=user).update(full_name="", phone="")


SECTION = Section(key="requests", export=export, erase=erase)
