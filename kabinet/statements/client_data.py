"""The client's own side of the акт сверки: its file read into a table, the columns guessed, its entries.

What the accountant uploads is what 1С writes: «Акт сверки взаимных расчётов» (two halves, «По данным
…»: Дата, Документ, Дебет, Кредит each) and «Карточка счёта 60/76» (Период, Документ, Аналитика, Дебет
and Кредит over «Счёт | Сумма», Текущее сальдо) as XLSX from «Бухгалтерия предприятия 3.0», or a CSV of
date, document, debit, credit in windows-1251 or UTF-8. Layouts differ between configurations and
versions, so the reading is two steps: `read_table` turns the file into rows of text (with its header
and a guess which column is which), and `entries` reads the dated amounts by the columns the user
confirmed. Every refusal is a `ClientDataError` with a Russian sentence naming the row, the column, the
encoding or the limit; nothing here writes.

Limits as for the other uploads: the file's size (`RECONCILIATION_UPLOAD_MAX_BYTES`), its rows
(`RECONCILIATION_MAX_ROWS`), the seconds the reading takes (`RECONCILIATION_PARSE_SECONDS`); an XLSX
is read by openpyxl in read-only mode (streamed, formulas as their stored values) after a check of its
archive (no more than 100 MB unpacked).
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kabinet.core.xlsx import column_letter, read_upload

ROLES = ("date", "document", "debit", "credit")
MAX_COLUMNS = 40
MAX_UNPACKED_BYTES = 100 * 2**20
HEADER_SCAN_ROWS = 40


class ClientDataError(ValueError):
    """A file that cannot be read, with the reason in words."""


@dataclass
class Table:
    """The file as text: `header` names the columns (the letter and what the file calls it), `rows` are
    (row number in the file, cells) after the header, `guess` the columns of ROLES."""

    kind: str  # "xlsx" or "csv"
    header: list[str]
    rows: list[tuple[int, list[str]]]
    guess: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Entry:
    """One entry of the client's data, already mirrored to the books' side: what the client credits
    (a charge it accepted) is the books' debit, what it debits (its payment) is the books' credit."""

    row: int
    day: date
    document: str
    number: str  # the document's number as matched («7», «12»), "" when the text has none
    debit: Decimal
    credit: Decimal


@dataclass
class ClientEntries:
    entries: list[Entry]
    opening: Decimal | None  # the client's «Сальдо начальное», mirrored, when the file states it
    closing: Decimal | None  # its «Сальдо конечное», mirrored, when the file states it
    outside: int  # dated rows outside the period (left out)


class _Clock:
    def __init__(self) -> None:
        self.deadline = time.monotonic() + settings.RECONCILIATION_PARSE_SECONDS

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ClientDataError(
                _("The file takes longer than %(seconds)s seconds to read. Upload only the period and contract needed.")
                % {"seconds": settings.RECONCILIATION_PARSE_SECONDS}
            )


def _too_many_rows() -> ClientDataError:
    return ClientDataError(
        _("The file has more than %(rows)s rows. Upload a shorter period or one contract.")
        % {"rows": settings.RECONCILIATION_MAX_ROWS}
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return " ".join(str(value).split())


def _xlsx_rows(content: bytes, clock: _Clock) -> list[list[str]]:
    unreadable = _("The file is not a readable Excel (XLSX) workbook. Save it from 1С again.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ClientDataError(_("The Excel file unpacks to more than 100 MB. Upload a shorter period."))
    except zipfile.BadZipFile as exc:
        raise ClientDataError(unreadable) from exc
    rows: list[list[str]] = []
    reader = read_upload(content)
    try:
        for values in reader:
            clock.check()
            if len(rows) >= settings.RECONCILIATION_MAX_ROWS:
                raise _too_many_rows()
            rows.append([_cell(v) for v in values[:MAX_COLUMNS]])
    except ClientDataError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken file: each is «not a readable XLSX»
        raise ClientDataError(unreadable) from exc
    finally:
        reader.close()
    return rows


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise ClientDataError(
            _("The CSV file is neither in UTF-8 nor in windows-1251 (byte %(at)s). Save it in one of them.")
            % {"at": exc.start + 1}
        ) from exc


def _csv_rows(content: bytes, clock: _Clock) -> list[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise ClientDataError(_("The CSV file holds binary data: save the table as CSV text."))
    # A Russian spreadsheet saves with semicolons (the comma is the decimal point); a tab or a comma else.
    sample = text[:4096]
    delimiter = ";" if ";" in sample else "\t" if "\t" in sample else ","
    rows: list[list[str]] = []
    try:
        for values in csv.reader(io.StringIO(text), delimiter=delimiter):
            clock.check()
            if len(rows) >= settings.RECONCILIATION_MAX_ROWS:
                raise _too_many_rows()
            rows.append([" ".join(v.split()) for v in values[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise ClientDataError(
            _("Row %(row)s of the CSV file cannot be read: a quote is not closed or a cell is too long.")
            % {"row": len(rows) + 1}
        ) from exc
    return rows


_DATE_WORDS = ("дата", "период", "date")
_DOCUMENT_WORDS = ("документ", "document", "операция")
_DEBIT_WORDS = ("дебет", "debit", "дт")
_CREDIT_WORDS = ("кредит", "credit", "кт")


def _has(label: str, words: tuple[str, ...]) -> bool:
    low = label.lower()
    return any(re.search(rf"(^|[^а-яa-z]){w}($|[^а-яa-z])", low) for w in words)


def _header(rows: list[list[str]]) -> tuple[int, list[str]]:
    """The header's last row and each column's label: a row naming a date and, with the row under it
    where the header takes two rows («Дебет» over «Счёт | Сумма»), a debit and a credit. (-1, []) when
    none is found (a CSV of bare values)."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(_has(c, _DATE_WORDS) for c in row):
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        two_rows = any(re.search(r"^(сумма|счет|счёт)$", c.lower()) for c in below)
        labels: list[str] = []
        carried = ""
        width = max(len(row), len(below) if two_rows else 0)
        for col in range(width):
            top = row[col] if col < len(row) else ""
            if two_rows:
                carried = top or carried
                sub = below[col] if col < len(below) else ""
                labels.append(" ".join(filter(None, [top or (carried if sub else ""), sub])))
            else:
                labels.append(top)
        if any(_has(c, _DEBIT_WORDS) for c in labels) and any(_has(c, _CREDIT_WORDS) for c in labels):
            return index + (1 if two_rows else 0), labels
    return -1, []


def _first(labels: list[str], words: tuple[str, ...], prefer: str = "") -> int | None:
    found = [i for i, label in enumerate(labels) if _has(label, words)]
    preferred = [i for i in found if prefer and prefer in labels[i].lower()]
    chosen = preferred or found
    return chosen[0] if chosen else None


def check_size(size: int) -> None:
    if size > settings.RECONCILIATION_UPLOAD_MAX_BYTES:
        raise ClientDataError(
            _("The file is larger than %(size)s. Upload a shorter period or one contract.")
            % {"size": filesizeformat(settings.RECONCILIATION_UPLOAD_MAX_BYTES)}
        )


def read_table(content: bytes, filename: str) -> Table:
    """The file as text rows with a guess of the columns. XLSX by its content (a ZIP), anything else as CSV."""
    check_size(len(content))
    if not content.strip():
        raise ClientDataError(_("The file is empty."))
    clock = _Clock()
    if content.startswith(b"PK\x03\x04"):
        kind, rows = "xlsx", _xlsx_rows(content, clock)
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ClientDataError(_("This is an old Excel file (XLS). Save it from 1С as XLSX or CSV."))
    elif filename.lower().endswith((".xlsx", ".xls")):
        raise ClientDataError(_("The file is not a readable Excel (XLSX) workbook. Save it from 1С again."))
    else:
        kind, rows = "csv", _csv_rows(content, clock)
    header_at, labels = _header(rows)
    width = max((len(r) for r in rows), default=0)
    labels += [""] * (width - len(labels))
    header = [f"{column_letter(i + 1)}" + (f" — {label}" if label else "") for i, label in enumerate(labels)]
    body = [
        (number, row + [""] * (width - len(row))) for number, row in enumerate(rows, start=1) if number > header_at + 1
    ]
    body = [(number, row) for number, row in body if any(row)]
    if not body:
        raise ClientDataError(_("The file has no rows under its header."))
    if header_at < 0:
        guess: dict[str, int | None] = {role: (i if i < width else None) for i, role in enumerate(ROLES)}
    else:
        # The first group of columns is the client's own data (the left half of 1С's акт сверки).
        debit = _first(labels, _DEBIT_WORDS, prefer="сумма")
        credit = _first(labels, _CREDIT_WORDS, prefer="сумма")
        guess = {
            "date": _first(labels, _DATE_WORDS),
            "document": _first(labels, _DOCUMENT_WORDS),
            "debit": debit,
            "credit": credit,
        }
    return Table(kind=kind, header=header, rows=body, guess=guess)


_NUMBER_SIGN = re.compile(r"№\s*([\w/.\-]+)")
_NUMBER_OF_DATE = re.compile(r"([\w/\-]+)\s+от\s+\d{1,2}\.\d{1,2}\.\d{2,4}")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


def document_number(text: str) -> str:
    """The number a document text names: «УПД № 7 от 31.01.2026» and «Поступление (акт, накладная, УПД)
    (7 от 31.01.2026)» are «7»; a bare «00012» is «12»; "" when there is none."""
    text = text or ""
    found = _NUMBER_SIGN.search(text) or _NUMBER_OF_DATE.search(text)
    if found:
        number = found.group(1)
    elif re.fullmatch(r"[\w/\-]+", text.strip()):
        number = text.strip()
    else:
        return ""
    number = number.strip(".").upper()
    return number.lstrip("0") or number


def parse_date(text: str) -> date | None:
    text = text.strip()
    found = _DATE.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        found = _ISO.match(text)
        if found:
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
    return None


def parse_amount(text: str) -> Decimal | None:
    """«1 000,00», «1000.00», «-5», «(5,00)» as a Decimal; "" is None; anything else raises ValueError."""
    raw = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("₽", "").replace("руб.", "")
    if not raw:
        return None
    negative = raw.startswith("(") and raw.endswith(")")
    raw = raw.strip("()")
    if raw.count(",") == 1 and raw.count(".") == 0:
        raw = raw.replace(",", ".")
    elif raw.count(",") >= 1 and raw.count(".") == 1:
        raw = raw.replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return -value if negative else value


def _balance(row: list[str], mapping: dict[str, int]) -> tuple[str, Decimal | None] | None:
    """A «Сальдо начальное / конечное» row: which and the balance mirrored to the books' side."""
    text = " ".join(row).lower()
    if "сальдо" not in text or "оборот" in text:  # «Обороты … и сальдо на конец» holds the turnover
        return None
    if "начал" in text or "на начало" in text:
        which = "opening"
    elif "конеч" in text or "на конец" in text:
        which = "closing"
    else:
        return None
    amounts = []
    for role in ("debit", "credit"):
        try:
            amounts.append(parse_amount(row[mapping[role]]))
        except ValueError:
            amounts.append(None)
    if amounts[0] is None and amounts[1] is None:
        return which, None  # the balance is elsewhere (the card's «Текущее сальдо»): computed instead
    # The client's debit balance (the lessor owes it) is the books' credit balance, and the other way round.
    return which, (amounts[1] or Decimal("0")) - (amounts[0] or Decimal("0"))


def entries(table: Table, chosen: dict[str, int | None], *, start: date, end: date) -> ClientEntries:
    """The client's dated entries in [start, end] by the confirmed columns, mirrored to the books' side.
    A dated row whose amount is not a number, or an amount on a row whose date is not a date, is refused
    with its row number and column."""
    width = len(table.header)
    mapping: dict[str, int] = {}
    for role in ROLES:
        column = chosen.get(role)
        if column is None and role != "document":
            raise ClientDataError(_("Choose the column of «%(role)s».") % {"role": role_label(role)})
        if column is not None:
            if not 0 <= column < width:
                raise ClientDataError(_("Choose the column of «%(role)s».") % {"role": role_label(role)})
            mapping[role] = column
    if len(set(mapping.values())) != len(mapping):
        raise ClientDataError(_("One column is chosen for two things: choose a different column for each."))
    clock = _Clock()
    found: list[Entry] = []
    opening = closing = None
    outside = 0
    for number, row in table.rows:
        clock.check()
        balance = _balance(row, mapping)
        if balance is not None:
            if balance[0] == "opening" and opening is None:
                opening = balance[1]
            elif balance[0] == "closing" and balance[1] is not None:
                closing = balance[1]
            continue
        raw_date = row[mapping["date"]]
        amounts: dict[str, Decimal | None] = {}
        for role in ("debit", "credit"):
            raw = row[mapping[role]]
            try:
                amounts[role] = parse_amount(raw)
            except ValueError:
                raise ClientDataError(
                    _("Row %(row)s, column %(column)s: «%(value)s» is not an amount.")
                    % {"row": number, "column": table.header[mapping[role]], "value": raw[:40]}
                ) from None
        day = parse_date(raw_date)
        if day is None:
            if amounts["debit"] is None and amounts["credit"] is None:
                continue  # a heading, a turnover line or an empty row of the layout
            if not raw_date or "оборот" in " ".join(row).lower() or "итог" in " ".join(row).lower():
                continue  # totals of the layout: «Обороты за период», «Итого»
            raise ClientDataError(
                _("Row %(row)s, column %(column)s: «%(value)s» is not a date (expected like 31.01.2026).")
                % {"row": number, "column": table.header[mapping["date"]], "value": raw_date[:40]}
            )
        if amounts["debit"] is None and amounts["credit"] is None:
            continue
        if not start <= day <= end:
            outside += 1
            continue
        document = row[mapping["document"]] if "document" in mapping else ""
        client_debit = amounts["debit"] or Decimal("0")
        client_credit = amounts["credit"] or Decimal("0")
        found.append(
            Entry(
                row=number,
                day=day,
                document=document[:200],
                number=document_number(document),
                debit=client_credit,
                credit=client_debit,
            )
        )
    return ClientEntries(entries=found, opening=opening, closing=closing, outside=outside)


def role_label(role: str) -> str:
    return {
        "date": _("Date"),
        "document": _("Document"),
        "debit": _("Debit"),
        "credit": _("Credit"),
    }[role]
