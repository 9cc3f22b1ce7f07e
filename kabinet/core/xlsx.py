"""The one spreadsheet writer: every XLSX the portal hands out is written here (see docs/architecture.md).

Two shapes: `xlsx_response` writes a list as the user filtered it (a heading, a header row with an
autofilter, one row per object), and `Spreadsheet` lays out a document (the schedule, the акт сверки,
registers) row by row with `Cell`s. Both stream through openpyxl's write-only mode into a temporary
file, so a long list costs the same memory as a short one.

What every cell obeys, whoever fills it:
- text is text: its cell type is set to string explicitly, so a value a client typed that starts with
  `=`, `+`, `-`, `@`, a tab or a CR is shown as typed and never runs as a formula (its value is not
  changed, no apostrophe is added); characters an XLSX cannot hold are dropped, and a CR is written as
  the line break XML reads it as;
- money is a number, written from the `Decimal` with 15 significant digits at most (the money limit,
  `kabinet.core.money.MONEY_MAX`), which Excel and openpyxl keep exactly; numbers stay numbers and dates
  stay dates, with Russian display formats, so an accountant can sum and sort them.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Format codes are stored in the file in the invariant (en-US) syntax: a Russian Excel shows
# "#,##0.00" as «# ##0,00» — a space between thousands and a comma before the kopecks.
FORMATS = {
    "money": "#,##0.00",
    "number": "General",
    "int": "0",
    "date": "DD.MM.YYYY",
    "datetime": "DD.MM.YYYY HH:MM",
    "text": "@",
}
KINDS = frozenset(FORMATS)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Column:
    """A column of a list: its header, the kind of its values and its width in characters."""

    title: str | Promise  # a lazy translation is written as its text
    kind: str = "text"  # text | money | number | int | date | datetime
    width: int = 16


@dataclass(frozen=True)
class Cell:
    """A cell of a laid-out document, with its look. A bare value in a row is `Cell(value)`."""

    value: Any
    kind: str = "text"
    bold: bool = False
    italic: bool = False
    size: int | None = None
    border: bool = False
    wrap: bool = False


def _value(kind: str, value: Any) -> Any:
    """The value as the cell holds it: a Decimal, an int, a naive datetime, a date, or text."""
    if value is None or value == "":
        return None
    if isinstance(value, Promise):
        value = str(value)
    if kind == "money" and not isinstance(value, str):
        return Decimal(value)
    if kind == "number" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return int(value)
    if kind in ("date", "datetime") and isinstance(value, datetime):
        # Excel has no time zones: the local wall-clock time the portal shows.
        local = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return local if kind == "datetime" else local.date()
    if kind in ("date", "datetime") and isinstance(value, date):
        return value
    # XML reads a bare CR as a line break (Excel and openpyxl alike): write the break it will read.
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _cell(sheet, spec: Cell) -> WriteOnlyCell:
    if spec.kind not in KINDS:
        raise ValueError(f"Unknown cell kind {spec.kind!r}")
    value = _value(spec.kind, spec.value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl reads a leading "=" as a formula and "#N/A" as an error: text stays text.
        cell.data_type = "s"
    elif value is not None and spec.kind != "text":
        cell.number_format = FORMATS[spec.kind]
    if spec.bold or spec.italic or spec.size:
        cell.font = Font(bold=spec.bold, italic=spec.italic, size=spec.size)
    if spec.border:
        cell.border = _BOX
    if spec.wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _sheet_title(heading: Any) -> str:
    """Excel refuses these characters in a sheet name and more than 31 characters."""
    text = str(heading)
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


class Sheet:
    """One worksheet filled from the top down, a row at a time."""

    def __init__(self, worksheet, widths: Sequence[int]):
        self._ws = worksheet
        self.rows = 0
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width

    def row(self, *cells: Cell | Any) -> int:
        """Append a row (a bare value is plain text, `None` an empty cell); returns its number."""
        self._ws.append([_cell(self._ws, c if isinstance(c, Cell) else Cell(c)) for c in cells])
        self.rows += 1
        return self.rows

    def freeze(self, row: int) -> None:
        """Keep the rows above `row` in view while scrolling."""
        self._ws.freeze_panes = f"A{row}"

    def autofilter(self, header_row: int, columns: int) -> None:
        """Excel's filter buttons on the header row, over every row written below it."""
        self._ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(self.rows, header_row)}"

    def print_area(self, columns: int) -> None:
        self._ws.print_area = f"A1:{get_column_letter(columns)}{self.rows}"


class Spreadsheet:
    """A workbook of laid-out sheets: `sheet()` each, then `content()` or `response()`."""

    def __init__(self) -> None:
        self._workbook = Workbook(write_only=True)

    def sheet(self, title: Any, widths: Sequence[int] = ()) -> Sheet:
        return Sheet(self._workbook.create_sheet(title=_sheet_title(title)), widths)

    def _spool(self):
        # Closed by FileResponse once sent (or by the caller of content()).
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115
        self._workbook.save(spool)
        spool.seek(0)
        return spool

    def file(self):
        """The workbook as an open temporary file at its start (a pack adds it to a ZIP; the caller closes it)."""
        return self._spool()

    def content(self) -> bytes:
        with self._spool() as spool:
            return spool.read()

    def response(self, filename: str) -> FileResponse:
        return download(self._spool(), filename)


def download(content, filename: str) -> FileResponse:
    """An XLSX (bytes or an open file) as a download that no cache keeps."""
    response = FileResponse(io.BytesIO(content) if isinstance(content, bytes) else content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(*, filename: str, heading: Any, columns: list[Column], rows: Iterable[Iterable[Any]]) -> FileResponse:
    """A list as a one-sheet workbook: the heading, the header row with Excel's filter buttons, then
    one row per item. Rows past `EXPORT_MAX_ROWS` are left out, and the last row says so."""
    limit = settings.EXPORT_MAX_ROWS
    book = Spreadsheet()
    sheet = book.sheet(heading, [c.width for c in columns])
    sheet.freeze(3)
    sheet.row(Cell(heading, bold=True, size=12))
    header = sheet.row(*(Cell(c.title, bold=True, wrap=True) for c in columns))
    for written, values in enumerate(rows):
        if written >= limit:
            sheet.autofilter(header, len(columns))
            note = _("Only the first %(limit)d rows are in the file: narrow the filters to get the rest.")
            sheet.row(Cell(note % {"limit": limit}, italic=True))
            break
        sheet.row(*(Cell(value, column.kind) for column, value in zip(columns, values, strict=True)))
    else:
        sheet.autofilter(header, len(columns))
    return book.response(filename)


def read_workbook(content: bytes):
    """An XLSX read back (the tests check what the writer wrote through this, never openpyxl itself)."""
    return load_workbook(io.BytesIO(content))


def read_upload(content: bytes) -> Generator[tuple, None, None]:
    """The first sheet of an XLSX a client uploaded, row by row (values only): streamed in openpyxl's
    read-only mode, formulas as the values the file stores (never evaluated). Broken files raise what
    openpyxl raises; the caller tells the user in words."""
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def column_letter(index: int) -> str:
    """A column's letter as Excel names it (1 → A, 28 → AB)."""
    return get_column_letter(index)
