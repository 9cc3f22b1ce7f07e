"""«Акт сверки взаимных расчётов»: the ledger's statement laid out as the usual Russian document.

The figures are `kabinet.contracts.ledger.statement` as they are: an opening balance, charges and
payments by date with their documents, the turnover, the closing balance. This module only lays
them out (PDF with WeasyPrint, XLSX with openpyxl) next to both parties' requisites and signature
blocks, and records the request in the organization's history.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kabinet.audit.services import audit_record
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract
from kabinet.core.formatting import format_money
from kabinet.core.money import amount_in_words
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf
from kabinet.creditors.models import Creditor, Product
from kabinet.organizations.models import Organization

ZERO = Decimal("0.00")
MONEY_FORMAT = "#,##0.00"
# WeasyPrint's table layout grows faster than the rows: ~1,800 rows took 280 s on the shared bench
# machine (load 35), a single contract's year 3 s. Past this a PDF would keep a worker busy too long;
# the XLSX (any size, ~1 s per 2,000 rows unloaded) is the right format for a long statement.
PDF_MAX_ROWS = 600


class StatementTooLarge(Exception):
    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


@dataclass
class Row:
    number: int | None
    day: date | None
    text: str
    debit: Decimal | None
    credit: Decimal | None


@dataclass
class StatementDocument:
    """Everything the PDF and the XLSX show, in the order they show it."""

    creditor: Creditor
    org: Organization
    start: date
    end: date
    contract: Contract | None
    opening: Decimal
    rows: list[Row]
    debit_total: Decimal
    credit_total: Decimal
    closing: Decimal

    @property
    def title(self) -> str:
        return _("Statement of mutual settlements")

    @property
    def subject(self) -> str:
        if self.contract is None:
            return _("under all contracts")
        if self.contract.product.kind == Product.Kind.FACTORING:
            return _("under factoring contract No. %(number)s") % {"number": self.contract.number}
        return _("under leasing contract No. %(number)s") % {"number": self.contract.number}

    @property
    def period(self) -> str:
        return _("for the period from %(start)s to %(end)s") % {
            "start": self.start.strftime("%d.%m.%Y"),
            "end": self.end.strftime("%d.%m.%Y"),
        }

    @property
    def buyer_name(self) -> str:
        return self.org.full_name or self.org.name

    @property
    def conclusion(self) -> str:
        """«По данным … на … задолженность в пользу … составляет …» — in whose favour, in words too."""
        values = {"creditor": self.creditor.name, "date": self.end.strftime("%d.%m.%Y")}
        if self.closing == 0:
            return _("According to %(creditor)s, as of %(date)s there is no debt between the parties.") % values
        values["amount"] = format_money(abs(self.closing))
        values["words"] = amount_in_words(abs(self.closing))
        values["party"] = self.creditor.name if self.closing > 0 else self.buyer_name
        return (
            _("According to %(creditor)s, as of %(date)s the debt in favour of %(party)s is %(amount)s (%(words)s).")
            % values
        )

    @property
    def filename_stem(self) -> str:
        what = self.contract.number if self.contract else _("all contracts")
        return _("Reconciliation statement %(what)s %(start)s–%(end)s") % {
            "what": what,
            "start": self.start.strftime("%d.%m.%Y"),
            "end": self.end.strftime("%d.%m.%Y"),
        }


def _balance_row(text: str, balance: Decimal) -> Row:
    return Row(None, None, text, balance if balance > 0 else None, -balance if balance < 0 else None)


def statement_document(
    *, org, creditor: Creditor, start: date, end: date, contract: Contract | None
) -> StatementDocument:
    """The statement between the creditor and the organization (every contract of the creditor, or one)."""
    figures = ledger.statement(
        org, start=start, end=end, contract=contract, creditor=creditor if contract is None else None
    )
    rows = []
    for n, entry in enumerate(figures.entries, start=1):
        text = entry.description
        if entry.document:
            text += ", " + _("document No. %(number)s") % {"number": entry.document}
        rows.append(Row(n, entry.date, text, entry.debit or None, entry.credit or None))
    return StatementDocument(
        creditor=creditor,
        org=org,
        start=start,
        end=end,
        contract=contract,
        opening=figures.opening,
        rows=rows,
        debit_total=figures.debit_total,
        credit_total=figures.credit_total,
        closing=figures.closing,
    )


def statement_pdf(doc: StatementDocument) -> bytes:
    html = render_to_string(
        "statements/statement_pdf.html",
        {
            "doc": doc,
            "creditor": doc.creditor,
            "buyer": doc.org,
            "opening": _balance_row(_("Opening balance"), doc.opening),
            "closing": _balance_row(_("Closing balance"), doc.closing),
        },
    )
    return html_to_pdf(html)


def statement_xlsx(doc: StatementDocument) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Statement")[:31]
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([doc.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{doc.period} {doc.subject}"])
    sheet.append([_("between %(creditor)s and %(buyer)s") % {"creditor": doc.creditor.name, "buyer": doc.buyer_name}])
    sheet.append([])
    sheet.append(
        [
            _("According to %(party)s, ₽") % {"party": doc.creditor.name},
            None,
            None,
            None,
            None,
            _("According to %(party)s, ₽") % {"party": doc.buyer_name},
        ]
    )
    header = [
        _("No."),
        _("Date"),
        _("Document"),
        _("Debit"),
        _("Credit"),
        _("Date"),
        _("Document"),
        _("Debit"),
        _("Credit"),
    ]
    sheet.append(header)
    head_row = sheet.max_row
    opening = _balance_row(_("Opening balance"), doc.opening)
    closing = _balance_row(_("Closing balance"), doc.closing)
    sheet.append([None, None, opening.text, opening.debit, opening.credit])
    for row in doc.rows:
        sheet.append([row.number, row.day, row.text, row.debit, row.credit])
    sheet.append([None, None, _("Turnover for the period"), doc.debit_total, doc.credit_total])
    sheet.append([None, None, closing.text, closing.debit, closing.credit])
    last_table = sheet.max_row
    for cells in sheet.iter_rows(min_row=head_row - 1, max_row=last_table, max_col=len(header)):
        for cell in cells:
            cell.border = box
            cell.alignment = wrap
    for cells in sheet.iter_rows(min_row=head_row - 1, max_row=head_row):
        for cell in cells:
            cell.font = bold
    for row_index in (head_row + 1, last_table - 1, last_table):
        for cell in sheet[row_index]:
            cell.font = bold
    for cells in sheet.iter_rows(min_row=head_row + 1, max_row=last_table):
        cells[1].number_format = "DD.MM.YYYY"
        for cell in cells[3:5]:
            cell.number_format = MONEY_FORMAT
    sheet.append([])
    sheet.append([doc.conclusion])
    sheet.append([])
    sides = [
        (_("On behalf of %(party)s") % {"party": doc.creditor.name}, _requisites(doc.creditor)),
        (_("On behalf of %(party)s") % {"party": doc.buyer_name}, _requisites(doc.org)),
    ]
    top = sheet.max_row + 1
    for column, (title, lines) in zip((1, 6), sides, strict=True):
        sheet.cell(row=top, column=column, value=title).font = bold
        for offset, line in enumerate(lines, start=1):
            sheet.cell(row=top + offset, column=column, value=line)
    bottom = top + max(len(lines) for _title, lines in sides) + 2
    director = doc.creditor.director_name or ""
    accountant = doc.creditor.accountant_name or ""
    sheet.cell(row=bottom, column=1, value=_("Head of the organization") + " ____________ " + director)
    sheet.cell(row=bottom + 1, column=1, value=_("Chief accountant") + " ____________ " + accountant)
    sheet.cell(row=bottom, column=6, value=_("Head of the organization") + " ____________ " + (doc.org.director or ""))
    sheet.cell(row=bottom + 1, column=6, value=_("Chief accountant") + " ____________")
    for index, width in enumerate([6, 12, 48, 16, 16, 12, 30, 16, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=1)
    sheet.print_area = f"A1:I{bottom + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _requisites(party) -> list[str]:
    name = getattr(party, "full_name", "") or party.name
    lines = [name, _("INN %(inn)s") % {"inn": party.inn}]
    if party.kpp:
        lines[-1] += ", " + _("KPP %(kpp)s") % {"kpp": party.kpp}
    if getattr(party, "ogrn", ""):
        lines.append(_("OGRN %(ogrn)s") % {"ogrn": party.ogrn})
    if party.legal_address:
        lines.append(party.legal_address)
    if getattr(party, "settlement_account", ""):
        lines.append(
            _("Acc. %(account)s in %(bank)s, BIC %(bic)s")
            % {"account": party.settlement_account, "bank": party.bank_name, "bic": party.bic}
        )
    return lines


def statement_request(
    *, org, actor, creditor: Creditor, start: date, end: date, contract, fmt: str, origin: Origin | None = None
):
    """Build the statement in the asked format and record the request in the organization's history.

    Returns (content, filename, content type)."""
    doc = statement_document(org=org, creditor=creditor, start=start, end=end, contract=contract)
    if fmt == "pdf" and len(doc.rows) > PDF_MAX_ROWS:
        raise StatementTooLarge(len(doc.rows))
    if fmt == "xlsx":
        content = statement_xlsx(doc)
        filename = doc.filename_stem + ".xlsx"
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = statement_pdf(doc)
        filename = doc.filename_stem + ".pdf"
        content_type = "application/pdf"
    audit_record(
        action="statement_requested",
        organization=org,
        actor=actor,
        obj=contract,
        after={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "contract": contract.number if contract else "",
            "format": fmt,
            "closing": str(doc.closing),
        },
        origin=origin,
    )
    return content, filename, content_type
