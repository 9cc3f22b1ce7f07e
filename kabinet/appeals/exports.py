"""«Заявки» as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.appeals.models import Appeal
from kabinet.core.xlsx import Column, xlsx_response


def appeal_list_xlsx(org, appeals: QuerySet[Appeal]) -> FileResponse:
    """The requests as the page filtered them; staff notes and assignees are never in it."""
    appeals = appeals.select_related("topic", "contract")
    limit = settings.EXPORT_MAX_ROWS
    return xlsx_response(
        filename=_("Requests %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Requests of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Number"), width=14),
            Column(_("Type"), width=26),
            Column(_("Topic"), width=26),
            Column(_("Contract"), width=18),
            Column(_("Description"), width=50),
            Column(_("Sent"), "datetime", 17),
            Column(_("Status"), width=24),
        ],
        rows=(
            (
                a.number,
                a.get_kind_display(),
                a.topic.name if a.topic else "",
                a.contract.number if a.contract else "",
                a.description,
                a.created_at,
                a.get_status_display(),
            )
            for a in appeals[: limit + 1].iterator(chunk_size=500)
        ),
    )
