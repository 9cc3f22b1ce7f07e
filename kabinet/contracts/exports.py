"""«Договоры» and the payment schedule as spreadsheets an accountant can sum, the payment calendar of
the main page as a spreadsheet, and the schedule as a calendar of due dates (ICS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.contracts import ledger
from kabinet.contracts.ledger import ics_uid
from kabinet.contracts.models import Contract
from kabinet.core.formatting import format_money
from kabinet.core.xlsx import Cell, Column, Spreadsheet, xlsx_response

ZERO = Decimal("0.00")
EXPORT_CHUNK = 500


def _date_stamp() -> str:
    return f"{timezone.localdate():%d.%m.%Y}"


def contract_list_xlsx(org, contracts: QuerySet[Contract]) -> FileResponse:
    """«Договоры» as the page filtered them, with each contract's next payment from the ledger."""
    limit = settings.EXPORT_MAX_ROWS

    def rows():
        # The next payment is attached a chunk at a time: a fixed number of queries per chunk.
        chunk = []
        for contract in contracts[: limit + 1].iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(contract)
            if len(chunk) == EXPORT_CHUNK:
                yield from _contract_rows(org, chunk)
                chunk = []
        yield from _contract_rows(org, chunk)

    return xlsx_response(
        filename=_("Contracts %(date)s.xlsx") % {"date": _date_stamp()},
        heading=_("Contracts of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Contract number"), width=18),
            Column(_("Product"), width=22),
            Column(_("Status"), width=20),
            Column(_("Start date"), "date", 12),
            Column(_("End date"), "date", 12),
            Column(_("Contract amount, ₽"), "money", 18),
            Column(_("Next payment date"), "date", 14),
            Column(_("Next payment, ₽"), "money", 16),
        ],
        rows=rows(),
    )


def _contract_rows(org, contracts: list[Contract]) -> Iterator[tuple[Any, ...]]:
    for c in ledger.with_next_payment(org, contracts):
        yield (
            c.number,
            c.product.name if c.product_id else "",
            c.get_status_display(),
            c.start_date,
            c.end_date,
            c.amount,
            getattr(c, "next_due_date", None),
            getattr(c, "next_amount", None),
        )


def calendar_xlsx(org, creditor) -> FileResponse:
    """«Платёжный календарь» of the main page: every unpaid line due today or later, in the section,
    read in keyset pages of the ledger's own calendar (one query a page, never the whole list in memory)."""
    limit = settings.EXPORT_MAX_ROWS

    def rows():
        after, read = "", 0
        while read <= limit:
            page = ledger.calendar_page(org, creditor, after=after, limit=min(EXPORT_CHUNK, limit + 1 - read))
            for p in page.rows:
                yield (p.contract_number, p.due_date, p.outstanding, p.outstanding_vat)
            read += len(page.rows)
            if not page.next_cursor:
                return
            after = page.next_cursor

    return xlsx_response(
        filename=_("Payment calendar %(date)s.xlsx") % {"date": _date_stamp()},
        heading=_("Payment calendar of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Contract"), width=18),
            Column(_("Payment date"), "date", 14),
            Column(_("Amount, ₽"), "money", 18),
            Column(_("VAT, ₽"), "money", 16),
        ],
        rows=rows(),
    )


def debt_xlsx(org, creditor) -> FileResponse:
    """«Просроченная задолженность» of the main page: every contract in debt, its debt as the page shows it
    (the books' figure rolled forward where the books sent one) with the books' date, the portal's own
    figure, the part not itemized and the books' figure on its date; read in the ledger's keyset pages."""
    limit = settings.EXPORT_MAX_ROWS

    def row(d) -> tuple[Any, ...]:
        figure = d.books_figure
        return (
            d.contract.number,
            d.amount,
            figure.as_of if figure else None,
            d.portal,
            figure.residual if figure else None,
            figure.books_total if figure else None,
        )

    def rows():
        after, read = "", 0
        while read <= limit:
            page = ledger.org_debt(org, creditor, after=after, limit=min(EXPORT_CHUNK, limit + 1 - read))
            for d in page.rows:
                yield row(d)
            read += len(page.rows)
            if not page.next_cursor:
                return
            after = page.next_cursor

    return xlsx_response(
        filename=_("Overdue debt %(date)s.xlsx") % {"date": _date_stamp()},
        heading=_("Overdue debt of %(org)s") % {"org": org.name},
        columns=[
            Column(_("Contract"), width=18),
            Column(_("Debt amount, ₽"), "money", 18),
            Column(_("By the books as of"), "date", 14),
            Column(_("By the portal's records, ₽"), "money", 18),
            Column(_("Not itemized by the books, ₽"), "money", 18),
            Column(_("By the books on their date, ₽"), "money", 18),
        ],
        rows=rows(),
    )


def schedule_xlsx(contract, card) -> bytes:
    """The schedule with what is paid and what is left, from the ledger (`ledger.contract_ledger`);
    the totals are the ledger's figures written as numbers (a file holds no formulas)."""
    book = Spreadsheet()
    sheet = book.sheet(_("Schedule"), [8, 14, 16, 10, 14, 16, 16, 14])
    sheet.freeze(3)
    sheet.row(
        Cell(_("Payment schedule under contract No. %(number)s") % {"number": contract.number}, bold=True, size=12)
    )
    headers = [
        _("No."),
        _("Payment date"),
        _("Amount, ₽"),
        _("VAT rate, %"),
        _("VAT, ₽"),
        _("Paid, ₽"),
        _("Remaining, ₽"),
        _("Status"),
    ]
    header = sheet.row(*(Cell(h, bold=True) for h in headers))
    labels = {"paid": _("Paid payment"), "overdue": _("Overdue payment"), "unpaid": _("Unpaid payment")}
    for p in card.lines:
        sheet.row(
            Cell(p.number, "int"),
            Cell(p.due_date, "date"),
            Cell(p.amount, "money"),
            Cell(p.vat_rate, "number"),
            Cell(p.vat, "money"),
            Cell(p.paid_amount, "money"),
            Cell(p.outstanding, "money"),
            labels[p.status],
        )
    sheet.autofilter(header, len(headers))
    if card.lines:
        sheet.row(
            Cell(_("Total"), bold=True),
            None,
            Cell(card.schedule_total, "money", bold=True),
            None,
            Cell(card.schedule_vat, "money", bold=True),
            Cell(sum((p.paid_amount for p in card.lines), ZERO), "money", bold=True),
            Cell(sum((p.outstanding for p in card.lines), ZERO), "money", bold=True),
            None,
        )
    return book.content()


# RFC 5545 TEXT holds no control character but HTAB: a line break of any kind (CRLF, a bare CR or LF)
# becomes the escaped «\n», the rest are dropped, so a value can never end the line or start a property.
_ICS_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _ICS_CONTROLS.sub("", text)


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 75:
            out.append(current.decode("utf-8"))
            current = b" "
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def payments_ics(entries, *, calendar_name: str) -> bytes:
    """Unpaid lines as calendar events, from (contract, line) pairs; each line keeps its UID across
    updates (`ledger.ics_uid`). The one ICS builder: a contract's schedule and the subscription feed."""
    stamp_text = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    out = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kabinet//Payment schedule//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for contract, p in entries:
        summary = _("Leasing payment under contract No. %(number)s: %(amount)s") % {
            "number": contract.number,
            "amount": format_money(p.outstanding).replace("\u202f", " ").replace("\u00a0", " "),
        }
        out += [
            "BEGIN:VEVENT",
            f"UID:{ics_uid(contract, p)}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{p.due_date:%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-P3D",
            f"DESCRIPTION:{_escape(summary)}",
            "END:VALARM",
            "END:VEVENT",
        ]
    out.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in out) + "\r\n").encode("utf-8")


def schedule_ics(contract, lines) -> bytes:
    """One contract's unpaid lines (`ContractLedger.unpaid_lines`)."""
    # Outside the f-string, so that makemessages sees it (it was never translated before).
    name = _("Payments under contract No. %(number)s") % {"number": contract.number}
    return payments_ics(((contract, line) for line in lines), calendar_name=name)
