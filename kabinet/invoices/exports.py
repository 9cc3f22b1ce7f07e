"""«Выставленные счета» as a spreadsheet (through the one writer, `kabinet.core.xlsx`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.xlsx import Column, xlsx_response
from kabinet.invoices import selectors
from kabinet.invoices.models import Invoice

CHUNK = 500


def invoice_list_xlsx(org, invoices: QuerySet[Invoice]) -> FileResponse:
    """The issued invoices as the page filtered them, each with its status today (from the books, two
    queries a chunk of invoices, as on the page)."""
    limit = settings.EXPORT_MAX_ROWS

    def rows() -> Iterator[tuple[Any, ...]]:
        chunk: list[Invoice] = []
        for invoice in invoices[: limit + 1].iterator(chunk_size=CHUNK):
            chunk.append(invoice)
            if len(chunk) == CHUNK:
                yield from _rows(org, chunk)
                chunk = []
        yield from _rows(org, chunk)

    return xlsx_response(
        filename=_("Invoices %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Issued invoices of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Number"), width=14),
            Column(_("Date"), "date", 12),
            Column(_("Contract"), width=18),
            Column(_("Payee"), width=24),
            Column(_("What for"), width=50),
            Column(_("Amount, ₽"), "money", 18),
            Column(_("Status"), width=18),
        ],
        rows=rows(),
    )


def _rows(org, invoices: list[Invoice]) -> Iterator[tuple[Any, ...]]:
    for i in selectors.with_status(org, invoices):
        payee = i.creditor.short_name or i.creditor.name
        yield (i.number, i.issued_on, i.contract.number, payee, i.description, i.amount, i.status_label)
