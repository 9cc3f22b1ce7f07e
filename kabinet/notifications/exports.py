"""«Уведомления» as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.xlsx import Column, xlsx_response
from kabinet.notifications.models import Notification


def notification_list_xlsx(org, notifications: QuerySet[Notification]) -> FileResponse:
    limit = settings.EXPORT_MAX_ROWS
    return xlsx_response(
        filename=_("Notifications %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Notifications — %(org)s") % {"org": org.name},
        columns=[
            Column(_("Date"), "datetime", 17),
            Column(_("Type"), width=24),
            Column(_("Title"), width=40),
            Column(_("Text"), width=60),
            Column(_("Read"), width=10),
        ],
        rows=(
            (n.created_at, n.get_kind_display(), n.title, n.body, _("yes") if n.read_at else _("no"))
            for n in notifications[: limit + 1].iterator(chunk_size=500)
        ),
    )
