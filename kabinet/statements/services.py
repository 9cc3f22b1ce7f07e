"""«Акт сверки взаимных расчётов»: the ledger's statement laid out as the usual Russian document.

The figures are `kabinet.contracts.ledger.statement` as they are: an opening balance, charges and
payments by date with their documents, the turnover, the closing balance. This module only lays
them out (PDF with WeasyPrint, XLSX with the one spreadsheet writer `kabinet.core.xlsx`) next to both
parties' requisites and signature blocks, and records the request in the organization's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract
from kabinet.core.formatting import format_money
from kabinet.core.legal_names import city_of
from kabinet.core.money import amount_in_words
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf
from kabinet.core.xlsx import XLSX, Cell, Spreadsheet
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.documents.services import UploadInput, documents_upload
from kabinet.organizations.models import Organization
from kabinet.signatures import services as signatures
from kabinet.signatures.models import SignatureRequest

ZERO = Decimal("0.00")
# WeasyPrint's table layout grows faster than the rows: ~1,800 rows took 280 s on the shared bench
# machine (load 35), a single contract's year 3 s. Past this a PDF would keep a worker busy too long;
# the XLSX (any size, ~1 s per 2,000 rows unloaded) is the right format for a long statement.
PDF_MAX_ROWS = 600
# How long the client's own акт awaits its signature once put «на подпись» (it is signed at once).
SIGN_DEADLINE = timedelta(days=7)


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
    drawn_on: date  # the day the акт was drawn up (issued)

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
    def creditor_name(self) -> str:
        """The short name the text uses («ООО «Балтийский лизинг»»); the requisites keep the full one."""
        return self.creditor.print_name

    @property
    def buyer_name(self) -> str:
        return self.org.print_name

    @property
    def place(self) -> str:
        """Where the акт is drawn up: the creditor's city (from its legal address)."""
        return city_of(self.creditor.legal_address)

    @property
    def drawn(self) -> str:
        """«г. Санкт-Петербург, 06.12.2026» — the place and date of drawing up."""
        day = self.drawn_on.strftime("%d.%m.%Y")
        return f"{self.place}, {day}" if self.place else day

    @property
    def preamble(self) -> str:
        return _(
            "We, the undersigned, %(creditor)s on the one side and %(buyer)s on the other side, have drawn up "
            "this statement: the state of mutual settlements according to the books is as follows."
        ) % {"creditor": self.creditor_name, "buyer": self.buyer_name}

    @property
    def conclusion(self) -> str:
        """«По данным … на … задолженность в пользу … составляет …» — in whose favour, in words too."""
        values = {"creditor": self.creditor_name, "date": self.end.strftime("%d.%m.%Y")}
        if self.closing == 0:
            return _("According to %(creditor)s, as of %(date)s there is no debt between the parties.") % values
        values["amount"] = format_money(abs(self.closing))
        values["words"] = amount_in_words(abs(self.closing))
        values["party"] = self.creditor_name if self.closing > 0 else self.buyer_name
        return (
            _("According to %(creditor)s, as of %(date)s the debt in favour of %(party)s is %(amount)s (%(words)s).")
            % values
        )

    @property
    def client_conclusion(self) -> str:
        """The client's conclusion, left for them to fill in."""
        return _("According to %(buyer)s, as of %(date)s the debt in favour of %(blank)s is %(blank)s.") % {
            "buyer": self.buyer_name,
            "date": self.end.strftime("%d.%m.%Y"),
            "blank": "________________________",
        }

    @property
    def filename_stem(self) -> str:
        what = self.contract.number if self.contract else _("all contracts")
        return _("Reconciliation statement %(what)s %(start)s–%(end)s") % {
            "what": what,
            "start": self.start.strftime("%d.%m.%Y"),
            "end": self.end.strftime("%d.%m.%Y"),
        }


def _balance_row(text: str, balance: Decimal) -> Row:
    """A balance on the side it is in favour of; a zero balance reads 0,00 (never an empty row)."""
    return Row(None, None, text, balance if balance >= 0 else None, -balance if balance < 0 else None)


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
            text += ", " + entry.document
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
        drawn_on=timezone.localdate(),
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
    """The акт as a sheet, as the PDF lays it out: the title, the place and date of drawing up, the
    preamble, the two parties' table (the client's half left blank), both conclusions (the client's to
    fill in), the requisites and signature blocks with «М. П.»."""
    width = 9
    book = Spreadsheet()
    sheet = book.sheet(_("Statement"), [6, 12, 48, 16, 16, 12, 30, 16, 16])
    sheet.row(Cell(doc.title, bold=True, size=13))
    sheet.row(f"{doc.period} {doc.subject}")
    sheet.row(_("between %(creditor)s and %(buyer)s") % {"creditor": doc.creditor_name, "buyer": doc.buyer_name})
    sheet.row(doc.drawn)
    sheet.row(doc.preamble)
    sheet.row()

    def boxed(*cells, bold=False):
        """A row of the table: every one of its nine cells framed, the text wrapped."""
        padded = [*cells, *[None] * (width - len(cells))]
        return sheet.row(
            *(
                Cell(c.value, c.kind, bold=bold, border=True, wrap=True)
                if isinstance(c, Cell)
                else Cell(c, bold=bold, border=True, wrap=True)
                for c in padded
            )
        )

    sides = _("According to %(party)s, ₽")
    boxed(sides % {"party": doc.creditor_name}, None, None, None, None, sides % {"party": doc.buyer_name}, bold=True)
    head_row = boxed(
        _("No."),
        _("Date"),
        _("Document"),
        _("Debit"),
        _("Credit"),
        _("Date"),
        _("Document"),
        _("Debit"),
        _("Credit"),
        bold=True,
    )
    sheet.freeze(head_row + 1)

    def money(amount):
        return Cell(amount, "money")

    opening = _balance_row(_("Opening balance"), doc.opening)
    closing = _balance_row(_("Closing balance"), doc.closing)
    boxed(None, None, opening.text, money(opening.debit), money(opening.credit), bold=True)
    for row in doc.rows:
        boxed(Cell(row.number, "int"), Cell(row.day, "date"), row.text, money(row.debit), money(row.credit))
    boxed(None, None, _("Turnover for the period"), money(doc.debit_total), money(doc.credit_total), bold=True)
    boxed(None, None, closing.text, money(closing.debit), money(closing.credit), bold=True)
    sheet.row()
    sheet.row(doc.conclusion)
    sheet.row(doc.client_conclusion)
    sheet.row()
    ours = [_("On behalf of %(party)s") % {"party": doc.creditor_name}, *_requisites(doc.creditor)]
    theirs = [_("On behalf of %(party)s") % {"party": doc.buyer_name}, *_requisites(doc.org)]
    for index in range(max(len(ours), len(theirs))):
        left = ours[index] if index < len(ours) else None
        right = theirs[index] if index < len(theirs) else None
        sheet.row(Cell(left, bold=index == 0), None, None, None, None, Cell(right, bold=index == 0))
    sheet.row()
    sign = _("Head of the organization") + " ____________ "
    accountant = _("Chief accountant") + " ____________"
    sheet.row(sign + (doc.creditor.director_name or ""), None, None, None, None, sign + (doc.org.director or ""))
    sheet.row(accountant + " " + (doc.creditor.accountant_name or ""), None, None, None, None, accountant)
    sheet.row(_("Stamp"), None, None, None, None, _("Stamp"))
    sheet.print_area(width)
    return book.content()


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
        content_type = XLSX
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


def statement_sign_request(
    *, org, actor, creditor: Creditor, start: date, end: date, contract, origin: Origin | None = None
) -> SignatureRequest:
    """«Подписать и отправить лизингодателю»: the акт's PDF kept as the organization's accounting
    document (tied to the contract when one is chosen) and put «на подпись» for this user alone; signed,
    it reaches the creditor as `document.signed` with `document_kind` "reconciliation_act".

    The user must be able to sign the creditor's documents (the agreement accepted, «Право подписи»):
    otherwise `ServiceError` and nothing is written. The document and the request are one transaction."""
    signatures.signer_check(org=org, creditor_id=creditor.pk, actor=actor)
    doc = statement_document(org=org, creditor=creditor, start=start, end=end, contract=contract)
    if len(doc.rows) > PDF_MAX_ROWS:
        raise StatementTooLarge(len(doc.rows))
    content = statement_pdf(doc)
    # Every contract of the creditor: the document is the creditor's through its product.
    product = None
    if contract is None:
        product = Product.objects.filter(creditor=creditor, contracts__organization=org).order_by("pk").first()
    with transaction.atomic():
        (document,) = documents_upload(
            org=org,
            user=actor,
            files=[ContentFile(content, name=doc.filename_stem + ".pdf")],
            data=UploadInput(
                doc_type=_("Reconciliation statement"),
                contract=contract,
                category=Document.Category.ACCOUNTING,
                product_id=product.pk if product else None,
            ),
            origin=origin,
        )
        request = signatures.signature_request_create(
            document=document,
            signers_required=1,
            deadline=timezone.now() + SIGN_DEADLINE,
            actor=actor,
            actor_kind="user",
            creditor=creditor,
            origin=origin,
            kind=SignatureRequest.Kind.RECONCILIATION_ACT,
        )
    return request
