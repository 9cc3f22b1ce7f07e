"""«Техническая поддержка» (the list of threads) as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.xlsx import Column, xlsx_response
from kabinet.support.models import SupportThread


def thread_list_xlsx(org, threads: QuerySet[SupportThread]) -> FileResponse:
    """Every thread the list shows, with its first message, status, author, last activity and the reader's
    unread mark (reading the file marks nothing as read)."""
    limit = settings.EXPORT_MAX_ROWS
    return xlsx_response(
        filename=_("Support %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Support appeals of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Number"), width=16),
            Column(_("Topic"), width=30),
            Column(_("First message"), width=50),
            Column(_("Status"), width=14),
            Column(_("Author"), width=24),
            Column(_("Date and time"), "datetime", 17),
            Column(_("Read"), width=10),
        ],
        rows=(_row(t) for t in threads[: limit + 1].iterator(chunk_size=500)),
    )


def _row(t: Any) -> tuple[Any, ...]:
    """`t` carries the list's annotations (`first_line`, `is_read`, from `selectors.thread_list`)."""
    return (
        t.number,
        t.topic,
        t.first_line,
        t.get_status_display(),
        str(t.author) if t.author else "",
        t.last_message_at,
        _("yes") if t.is_read else _("no"),
    )
