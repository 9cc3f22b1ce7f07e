"""The payment schedule as a spreadsheet an accountant can sum, and as a calendar of due dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kabinet.contracts.ledger import ics_uid
from kabinet.core.formatting import format_money

MONEY_FORMAT = "#,##0.00"


def schedule_xlsx(contract, card) -> bytes:
    """The schedule with what is paid and what is left, from the ledger (`ledger.contract_ledger`)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Schedule")[:31]
    sheet.append([_("Payment schedule under contract No. %(number)s") % {"number": contract.number}])
    sheet["A1"].font = Font(bold=True, size=12)
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
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    labels = {"paid": _("Paid payment"), "overdue": _("Overdue payment"), "unpaid": _("Unpaid payment")}
    for p in card.lines:
        sheet.append(
            [p.number, p.due_date, p.amount, p.vat_rate, p.vat, p.paid_amount, p.outstanding, labels[p.status]]
        )
    last = sheet.max_row
    if last > 2:
        sheet.append(
            [
                _("Total"),
                None,
                f"=SUM(C3:C{last})",
                None,
                f"=SUM(E3:E{last})",
                f"=SUM(F3:F{last})",
                f"=SUM(G3:G{last})",
                None,
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3):
        row[1].number_format = "DD.MM.YYYY"
        for index in (2, 4, 5, 6):
            row[index].number_format = MONEY_FORMAT
    for index, width in enumerate([8, 14, 16, 10, 14, 16, 16, 14], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


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
