"""«История изменений» as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit import presentation
from kabinet.audit.models import AuditEvent
from kabinet.core.xlsx import Column, xlsx_response

CHUNK = 500


def _changes_text(changes: list[presentation.Change]) -> str:
    """«Было → стало» of the page as lines of text: «Роль: Менеджер → Администратор»."""
    lines = []
    for c in changes:
        if c.changed:
            lines.append(f"{c.label}: {c.before} → {c.after}")
        elif c.added:
            lines.append(f"{c.label}: {c.after}")
        else:
            lines.append(f"{c.label}: {c.before} → —")
    return "\n".join(lines)


def history_xlsx(org, events: QuerySet[AuditEvent], *, creditor_name: str = "") -> FileResponse:
    """The history as the page filtered it, with its words: who, what, the object, before → after, from where.
    The names the values point at are read a chunk at a time (one query per model per chunk)."""
    limit = settings.EXPORT_MAX_ROWS

    def rows() -> Iterator[tuple[Any, ...]]:
        chunk: list[AuditEvent] = []
        for event in events[: limit + 1].iterator(chunk_size=CHUNK):
            chunk.append(event)
            if len(chunk) == CHUNK:
                yield from _rows(chunk, creditor_name)
                chunk = []
        yield from _rows(chunk, creditor_name)

    return xlsx_response(
        filename=_("Change history %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Change history of %(org)s") % {"org": org.name},
        columns=[
            Column(_("When"), "datetime", 17),
            Column(_("Who"), width=26),
            Column(_("What"), width=30),
            Column(_("Object"), width=30),
            Column(_("Before → after"), width=60),
            Column(_("From where"), width=16),
        ],
        rows=rows(),
    )


def _rows(events: list[AuditEvent], creditor_name: str) -> Iterator[tuple[Any, ...]]:
    related = presentation.related_names(events)
    for e in events:
        yield (
            e.created_at,
            presentation.actor_label(e, creditor_name),
            presentation.action_label(e.action),
            e.object_repr,
            presentation.describe_sentence(e) or _changes_text(presentation.describe_changes(e, related)),
            e.ip if presentation.shows_ip(e) else "",
        )
