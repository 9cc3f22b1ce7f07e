"""«Документы» as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.xlsx import Column, xlsx_response
from kabinet.documents.models import Document


def document_list_xlsx(org, documents: QuerySet[Document], *, incoming: bool) -> FileResponse:
    """«Входящие» or «Загруженные» as the page filtered them, with every column the list shows."""
    documents = documents.select_related("product", "contract", "appeal").defer("text")
    limit = settings.EXPORT_MAX_ROWS
    heading = _("Incoming documents") if incoming else _("Uploaded documents")
    return xlsx_response(
        filename=_("Documents %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=f"{heading} — {org.name}",
        columns=[
            Column(_("Product"), width=22),
            Column(_("Document type"), width=22),
            Column(_("Name"), width=40),
            Column(_("Contract"), width=18),
            Column(_("Request"), width=14),
            Column(_("Document date"), "date", 14),
            Column(_("File"), width=30),
            Column(_("Size, bytes"), "int", 12),
        ],
        rows=(
            (
                d.product.name if d.product else "",
                d.doc_type,
                d.title,
                d.contract.number if d.contract else "",
                d.appeal.number if d.appeal else "",
                d.document_date,
                d.original_name,
                d.size,
            )
            for d in documents[: limit + 1].iterator(chunk_size=500)
        ),
    )
