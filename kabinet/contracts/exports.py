"""The payment schedule as a spreadsheet an accountant can sum, and as a calendar of due dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kabinet.core.formatting import format_money

MONEY_FORMAT = "#,##0.00"


def schedule_xlsx(contract, payments) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Schedule")[:31]
    sheet.append([_("Payment schedule under contract No. %(number)s") % {"number": contract.number}])
    sheet["A1"].font = Font(bold=True, size=12)
    headers = [_("No."), _("Payment date"), _("Amount, ₽"), _("VAT rate, %"), _("VAT, ₽"), _("Paid, ₽"), _("Status")]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    today = timezone.localdate()
    for p in payments:
        status = (
            _("Paid payment") if p.is_paid else (_("Overdue payment") if p.due_date < today else _("Unpaid payment"))
        )
        sheet.append([p.number, p.due_date, p.amount, p.vat_rate, p.vat_amount, p.paid_amount, status])
    last = sheet.max_row
    if last > 2:
        sheet.append([_("Total"), None, f"=SUM(C3:C{last})", None, f"=SUM(E3:E{last})", f"=SUM(F3:F{last})", None])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3):
        row[1].number_format = "DD.MM.YYYY"
        for index in (2, 4, 5):
            row[index].number_format = MONEY_FORMAT
    for index, width in enumerate([8, 14, 16, 10, 14, 16, 14], start=1):
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


def payment_uid(payment, host: str) -> str:
    """Stable across schedule reloads: the contract's external id (or id) and the payment's number."""
    contract = payment.contract
    return f"{contract.external_id or contract.pk}-{payment.number}@{host}"


def payments_ics(payments, *, calendar_name: str, host: str) -> bytes:
    """An iCalendar (RFC 5545) of unpaid payments; each payment's contract must be loaded."""
    stamp_text = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kabinet//Payment schedule//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for p in payments:
        if p.is_paid:
            continue
        summary = _("Leasing payment under contract No. %(number)s: %(amount)s") % {
            "number": p.contract.number,
            "amount": format_money(p.outstanding).replace("\u202f", " ").replace("\u00a0", " "),
        }
        lines += [
            "BEGIN:VEVENT",
            f"UID:{payment_uid(p, host)}",
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
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def schedule_ics(contract, payments, host: str) -> bytes:
    payments = list(payments)
    for p in payments:
        p.contract = contract
    return payments_ics(
        payments,
        calendar_name=_("Payments under contract No. %(number)s") % {"number": contract.number},
        host=host,
    )
