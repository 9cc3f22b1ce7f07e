"""Excel export of a list, as the user filtered it (issue 14.18).

openpyxl in write-only mode streams rows to a temporary file instead of holding a worksheet in
memory, so a long list costs the same memory as a short one; the file is bounded by
`EXPORT_MAX_ROWS` (the last row says so when the list was longer). Numbers stay numbers and dates
stay dates (with Russian display formats), so an accountant can sum and sort them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "money": "#,##0.00",
    "int": "0",
    "date": "DD.MM.YYYY",
    "datetime": "DD.MM.YYYY HH:MM",
    "text": "@",
}


@dataclass(frozen=True)
class Column:
    title: str | Promise  # a lazy translation is written as its text
    kind: str = "text"  # text | money | int | date | datetime
    width: int = 16


def _value(kind: str, value):
    if value is None or value == "":
        return None
    if kind == "money":
        return Decimal(value)
    if kind == "int":
        return int(value)
    if kind == "datetime" and isinstance(value, datetime):
        # Excel has no time zones: the local wall-clock time the portal shows.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if kind == "date" and isinstance(value, (date, datetime)):
        return value
    return str(value)


def _sheet_title(heading) -> str:
    """Excel refuses these characters in a sheet name and more than 31 characters."""
    text = str(heading)
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


def xlsx_response(*, filename: str, heading: str, columns: list[Column], rows: Iterable[Iterable]) -> FileResponse:
    """Write the rows into a one-sheet workbook and hand it out as a download."""
    limit = settings.EXPORT_MAX_ROWS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(heading))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(sheet, value=str(heading))
    title.font = Font(bold=True, size=12)
    sheet.append([title])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.title))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for written, row in enumerate(rows):
        if written >= limit:
            note = WriteOnlyCell(
                sheet,
                value=_("Only the first %(limit)d rows are in the file: narrow the filters to get the rest.")
                % {"limit": limit},
            )
            note.font = Font(italic=True)
            sheet.append([note])
            break
        cells = []
        for column, value in zip(columns, row, strict=True):
            cell = WriteOnlyCell(sheet, value=_value(column.kind, value))
            if cell.value is not None and column.kind != "text":
                cell.number_format = FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    # Closed by FileResponse once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
