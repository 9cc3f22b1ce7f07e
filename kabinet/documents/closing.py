"""«Закрывающие документы»: the books' closing documents of a period for the client — the list with totals
per VAT rate, the pack (one streamed ZIP of the PDFs and XML with an Excel register for the книга
покупок), the files' storage with their library entry, and the monthly «готовы» notice.

The record itself is `kabinet.contracts.models.ClosingDocument` (written by
`kabinet.contracts.services.closing`); this module adds what needs the documents library."""

from __future__ import annotations

import json
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import override

from kabinet.contracts.models import ClosingDocument, ClosingDocumentVat
from kabinet.core.files import check_upload, clean_filename
from kabinet.core.formatting import format_money
from kabinet.core.models import JobRun
from kabinet.core.xlsx import Cell, Spreadsheet
from kabinet.documents.models import Document
from kabinet.documents.services import ZipSink, document_reindex
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify
from kabinet.organizations.models import Organization

ZERO = Decimal("0")
# Rows read from the database at a time by the pack (its memory holds about this many documents at most).
CHUNK_ROWS = 1000
XML_CONTENT_TYPE = "application/xml"


# --- Periods ----------------------------------------------------------------------------------------


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def previous_month(today: date) -> tuple[date, date]:
    return month_bounds(today.replace(day=1) - timedelta(days=1))


def month_name(day: date) -> str:
    """«ноябрь»: the month in the nominative, as «за ноябрь» reads."""
    return str(MONTHS[day.month]).lower()


# --- Reads ------------------------------------------------------------------------------------------


def closing_documents(org: Organization, start: date, end: date, creditor=None) -> QuerySet[ClosingDocument]:
    """An organization's closing documents dated within [start, end], in date order (the list, the pack)."""
    qs = ClosingDocument.objects.for_org(org).filter(date__gte=start, date__lte=end)
    if creditor is not None:
        qs = qs.filter(creditor=creditor)
    return (
        qs.select_related("contract")
        .prefetch_related(Prefetch("vat_lines", queryset=ClosingDocumentVat.objects.for_org(org).order_by("-rate")))
        .order_by("date", "id")
    )


@dataclass(frozen=True)
class Totals:
    count: int
    amount: Decimal
    vat_by_rate: list[tuple[Decimal, Decimal]]  # (rate, VAT) from the highest rate down

    @property
    def vat(self) -> Decimal:
        return sum((vat for _rate, vat in self.vat_by_rate), ZERO)

    @property
    def without_vat(self) -> Decimal:
        return self.amount - self.vat


def closing_totals(org: Organization, start: date, end: date, creditor=None) -> Totals:
    """The period's count, amount and VAT per rate: two aggregate queries, whatever the count."""
    docs = ClosingDocument.objects.for_org(org).filter(date__gte=start, date__lte=end)
    if creditor is not None:
        docs = docs.filter(creditor=creditor)
    head = docs.aggregate(count=Count("id"), amount=Sum("amount"))
    rates = (
        ClosingDocumentVat.objects.for_org(org)
        .filter(document__in=docs.values("id"))
        .values("rate")
        .annotate(vat=Sum("vat"))
        .order_by("-rate")
    )
    return Totals(head["count"], head["amount"] or ZERO, [(r["rate"], r["vat"] or ZERO) for r in rates])


def closing_rates(org: Organization, start: date, end: date, creditor=None) -> list[Decimal]:
    return [rate for rate, _vat in closing_totals(org, start, end, creditor).vat_by_rate]


def vat_at(document: ClosingDocument, rate: Decimal) -> Decimal | None:
    for line in document.vat_lines.all():
        if line.rate == rate:
            return line.vat
    return None


def document_vat(document: ClosingDocument) -> Decimal:
    return sum((line.vat for line in document.vat_lines.all()), ZERO)


def rate_label(rate: Decimal) -> str:
    return _("VAT %(rate)s %%") % {"rate": f"{rate.normalize():f}".replace(".", ",")}


# --- Files ------------------------------------------------------------------------------------------


def _check_xml(uploaded) -> str:
    if uploaded.size > settings.DOCUMENT_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("«%(name)s» is larger than %(mb)d MB.")
            % {"name": clean_filename(uploaded.name), "mb": settings.DOCUMENT_UPLOAD_MAX_BYTES // 2**20}
        )
    uploaded.seek(0)
    head = uploaded.read(64)
    uploaded.seek(0)
    if not head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<?xml"):
        raise ValidationError(_("«%(name)s» is not an XML file.") % {"name": clean_filename(uploaded.name)})
    return XML_CONTENT_TYPE


def closing_file_put(document: ClosingDocument, *, which: str, uploaded) -> ClosingDocument:
    """Store the PDF (`which="pdf"`) or the ФНС XML of a closing document, replacing the previous one.
    The PDF is also the document's entry in the documents library (its «УПД», «Счёт-фактура»…)."""
    if which == "pdf":
        if check_upload(uploaded) != "application/pdf":
            raise ValidationError(_("«%(name)s» is not a PDF.") % {"name": clean_filename(uploaded.name)})
    else:
        _check_xml(uploaded)
    field = document.pdf if which == "pdf" else document.xml
    old = field.name
    with transaction.atomic():
        field.save(clean_filename(uploaded.name), uploaded, save=False)
        document.save(update_fields=[which, "updated_at"])
        if which == "pdf":
            library_entry_put(document, size=uploaded.size)
    if old:
        transaction.on_commit(lambda: _remove_quietly(document.pdf.storage, old))
    return document


def _remove_quietly(storage, name: str) -> None:
    with suppress(Exception):
        storage.delete(name)


def _remove_all_quietly(storage, names: list[str]) -> None:
    for name in names:
        _remove_quietly(storage, name)


def library_entry_put(document: ClosingDocument, *, size: int | None = None) -> Document:
    """The documents library's entry of the closing document: «Бухгалтерские документы», its kind as the
    type, the same stored PDF (one file, not a copy)."""
    with override("ru"):
        kind = str(ClosingDocument.Kind(document.kind).label)
    entry = Document.objects.for_org_id(document.organization_id).filter(closing_document=document).first() or Document(
        organization_id=document.organization_id, closing_document=document
    )
    entry.direction = Document.Direction.INCOMING
    entry.category = Document.Category.ACCOUNTING
    entry.doc_type = kind
    entry.title = f"{kind} № {document.number} от {document.date:%d.%m.%Y}"
    entry.contract_id = document.contract_id
    entry.product_id = document.contract.product_id if document.contract else None
    entry.document_date = document.date
    entry.file.name = document.pdf.name
    entry.original_name = pack_name(document, "pdf").rsplit("/", 1)[-1]
    entry.content_type = "application/pdf"
    entry.size = size if size is not None else entry.size
    entry.text_status = Document.TextStatus.NOT_APPLICABLE
    entry.save()
    document_reindex(ids=[entry.pk])  # found by the search box and the library's search, like any document
    return entry


def closing_document_delete(document: ClosingDocument) -> None:
    """The books withdrew the document: the record, its library entry and its files go."""
    names = [f.name for f in (document.pdf, document.xml) if f.name]
    storage = document.pdf.storage
    with transaction.atomic():
        Document.objects.for_org_id(document.organization_id).filter(closing_document=document).delete()
        document.delete()
        transaction.on_commit(lambda: _remove_all_quietly(storage, names))


# --- The pack ---------------------------------------------------------------------------------------

_KIND_SHORT = {
    ClosingDocument.Kind.UPD: "УПД",
    ClosingDocument.Kind.INVOICE: "СФ",
    ClosingDocument.Kind.ACT: "Акт",
    ClosingDocument.Kind.CORRECTION: "УКД",
}
_NAME_UNSAFE = re.compile(r"[^\w.\-№]+", re.UNICODE)


def _part(text: str) -> str:
    return _NAME_UNSAFE.sub("-", text).strip("-.") or "-"


def pack_name(document: ClosingDocument | Row, ext: str) -> str:
    """How an accountant files it: «2026-11/УПД_123_от_30.11.2026_ДЛ-001.pdf» (month folder, kind, number,
    date, contract)."""
    number = document.contract if isinstance(document, Row) else (document.contract.number if document.contract else "")
    contract = f"_{_part(number)}" if number else ""
    stem = f"{_KIND_SHORT[ClosingDocument.Kind(document.kind)]}_{_part(document.number)}_от_{document.date:%d.%m.%Y}"
    return f"{document.date:%Y-%m}/{stem}{contract}.{ext}"


def register_name(start: date, end: date) -> str:
    return _("Register of closing documents %(start)s–%(end)s.xlsx") % {
        "start": f"{start:%d.%m.%Y}",
        "end": f"{end:%d.%m.%Y}",
    }


@dataclass(frozen=True)
class Row:
    """A document as the register and the pack read it: plain values, no model instance (nothing to keep)."""

    pk: int
    kind: str
    number: str
    date: date
    contract: str
    amount: Decimal
    pdf: str
    xml: str
    vat: dict[Decimal, Decimal]

    @property
    def kind_display(self) -> str:
        return str(ClosingDocument.Kind(self.kind).label)


def pack_rows(org: Organization, start: date, end: date, creditor=None) -> Iterator[Row]:
    """The period's documents in date order with their VAT per rate: two cursors read side by side in chunks
    (documents, and VAT rows in the same order), so memory does not grow with the count."""
    docs = ClosingDocument.objects.for_org(org).filter(date__gte=start, date__lte=end)
    if creditor is not None:
        docs = docs.filter(creditor=creditor)
    heads = docs.order_by("date", "id").values_list(
        "id", "kind", "number", "date", "contract__number", "amount", "pdf", "xml"
    )
    vats = (
        ClosingDocumentVat.objects.for_org(org)
        .filter(document__in=docs.values("id"))
        .order_by("document__date", "document_id")
        .values_list("document_id", "rate", "vat")
    )
    vat_rows = vats.iterator(chunk_size=CHUNK_ROWS)
    pending = next(vat_rows, None)
    for pk, kind, number, day, contract, amount, pdf, xml in heads.iterator(chunk_size=CHUNK_ROWS):
        vat: dict[Decimal, Decimal] = {}
        while pending is not None and pending[0] == pk:
            vat[pending[1]] = pending[2]
            pending = next(vat_rows, None)
        yield Row(pk, kind, number, day, contract or "", amount, pdf or "", xml or "", vat)


class Register:
    """The register for the книга покупок, filled a row at a time as the pack goes: номер, дата, вид, договор,
    сумма, НДС per rate present in the period, без НДС, then the totals. The workbook streams its rows to a
    temporary file (`kabinet.core.xlsx`), so memory does not grow with the count."""

    def __init__(self, org: Organization, start: date, end: date, creditor=None) -> None:
        self.rates = closing_rates(org, start, end, creditor)
        self.book = Spreadsheet()
        widths = [16, 12, 22, 18, 18, *([16] * len(self.rates)), 18]
        self.sheet = self.book.sheet(_("Closing documents register"), widths)
        title = _("Register of closing documents for %(start)s–%(end)s") % {
            "start": f"{start:%d.%m.%Y}",
            "end": f"{end:%d.%m.%Y}",
        }
        self.sheet.row(Cell(title, bold=True, size=12))
        self.sheet.row(Cell(org.name))
        header = [_("Number"), _("Date"), _("Kind"), _("Contract"), _("Amount with VAT, ₽")]
        header += [_("%(rate)s, ₽") % {"rate": rate_label(rate)} for rate in self.rates]
        header += [_("Amount without VAT, ₽")]
        self.columns = len(header)
        self.header_row = self.sheet.row(*(Cell(text, bold=True, border=True, wrap=True) for text in header))
        self.sheet.freeze(self.header_row + 1)
        self.total_amount = ZERO
        self.total_vat = dict.fromkeys(self.rates, ZERO)

    def add(self, row: Row) -> None:
        # No borders on the body: a styled cell costs twice a plain one, and a year's register has 60,000 rows.
        cells = [
            Cell(row.number),
            Cell(row.date, "date"),
            Cell(row.kind_display),
            Cell(row.contract),
            Cell(row.amount, "money"),
        ]
        for rate in self.rates:
            cells.append(Cell(row.vat.get(rate), "money"))
            self.total_vat[rate] += row.vat.get(rate, ZERO)
        cells.append(Cell(row.amount - sum(row.vat.values(), ZERO), "money"))
        self.total_amount += row.amount
        self.sheet.row(*cells)

    def finish(self) -> Spreadsheet:
        vat_sum = sum(self.total_vat.values(), ZERO)
        self.sheet.autofilter(self.header_row, self.columns)
        self.sheet.row(
            Cell(_("Total"), bold=True, border=True),
            Cell("", border=True),
            Cell("", border=True),
            Cell("", border=True),
            Cell(self.total_amount, "money", bold=True, border=True),
            *(Cell(self.total_vat[rate], "money", bold=True, border=True) for rate in self.rates),
            Cell(self.total_amount - vat_sum, "money", bold=True, border=True),
        )
        return self.book


def register_workbook(org: Organization, start: date, end: date, creditor=None) -> Spreadsheet:
    """The register alone (what the pack carries as its last file)."""
    register = Register(org, start, end, creditor)
    for row in pack_rows(org, start, end, creditor):
        register.add(row)
    return register.finish()


def pack_stream(
    org: Organization, start: date, end: date, creditor=None, chunk_size: int = 256 * 1024
) -> Iterator[bytes]:
    """The pack as it is sent: each document's PDF and XML filed by month, read from the storage a chunk at
    a time, and the register, filled row by row on the way and added last. One pass over the documents,
    read from the database in chunks; the first bytes leave at once; no cap on the count."""
    return _pack_chunks(org, start, end, creditor, chunk_size)


def _copy(archive: zipfile.ZipFile, sink: ZipSink, name: str, day: date, source, chunk_size: int) -> Iterator[bytes]:
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    with source, archive.open(info, mode="w", force_zip64=True) as target:
        while chunk := source.read(chunk_size):
            target.write(chunk)
            yield sink.take()
    yield sink.take()


# What the central directory needs of an entry (`zipfile.ZipFile._write_end_record` reads these).
_ENTRY_FIELDS = (
    "compress_type",
    "flag_bits",
    "CRC",
    "compress_size",
    "file_size",
    "header_offset",
    "create_version",
    "extract_version",
    "create_system",
    "reserved",
    "internal_attr",
    "external_attr",
)


class _SpooledEntries:
    """The ZIP's list of entries kept in a temporary file, not in memory: zipfile appends each finished entry
    here and reads them all once, to write the central directory at the end. A ZIP of 60,000 files would
    otherwise hold 60,000 `ZipInfo`s (about 1 KB each) until its last byte."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=2**16, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        fields = [getattr(info, name) for name in _ENTRY_FIELDS]
        record = [info.filename, list(info.date_time), info.extra.hex(), info.comment.hex(), *fields]
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self.file.seek(0)
        for line in self.file:
            name, day, extra, comment, *fields = json.loads(line)
            info = zipfile.ZipInfo(name, tuple(day))
            info.extra, info.comment = bytes.fromhex(extra), bytes.fromhex(comment)
            for field_name, value in zip(_ENTRY_FIELDS, fields, strict=True):
                setattr(info, field_name, value)
            yield info

    def close(self) -> None:
        self.file.close()


class _NoNames(dict):
    """zipfile's index of names, left empty: names are made unique here (`seen`), and nothing reads it back."""

    def __setitem__(self, key, value) -> None:
        pass


def _pack_chunks(org, start, end, creditor, chunk_size: int) -> Iterator[bytes]:
    sink = ZipSink()
    register = Register(org, start, end, creditor)
    storage = ClosingDocument._meta.get_field("pdf").storage
    entries = _SpooledEntries()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.filelist = cast(list, entries)
        archive.NameToInfo = _NoNames()
        # A day's names are compared with each other only: the numbers are unique per creditor and date.
        day: date | None = None
        seen: set[str] = set()
        for row in pack_rows(org, start, end, creditor):
            register.add(row)
            if row.date != day:
                day, seen = row.date, set()
            for ext, stored in (("pdf", row.pdf), ("xml", row.xml)):
                if not stored:
                    continue
                name = pack_name(row, ext)
                if name in seen:
                    stem, suffix = posixpath.splitext(name)
                    name = f"{stem}_{row.pk}{suffix}"
                seen.add(name)
                yield from _copy(archive, sink, name, row.date, storage.open(stored, "rb"), chunk_size)
        spool = register.finish().file()
        yield from _copy(archive, sink, register_name(start, end), timezone.localdate(), spool, chunk_size)
    entries.close()
    yield sink.take()


# --- The monthly notice -----------------------------------------------------------------------------


def closing_documents_notify(today: date | None = None) -> int:
    """«Закрывающие документы за ноябрь готовы»: from CLOSING_DOCUMENTS_NOTICE_DAY of a month, each
    organization with closing documents dated in the previous month is told once (the marker and the
    notice commit together, so a second run, another scheduler or a restart tells nobody twice).
    Who hears it and how: the members' own choice of channels for this kind («Уведомления»)."""
    today = today or timezone.localdate()
    if today.day < settings.CLOSING_DOCUMENTS_NOTICE_DAY:
        return 0
    start, end = previous_month(today)
    by_org = (
        ClosingDocument.objects.unscoped()  # every organization's: the scheduler's job, no request
        .filter(date__gte=start, date__lte=end)
        .values("organization")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("organization")
    )
    told = 0
    link = reverse("documents:closing") + f"?month={start:%Y-%m}"
    for row in by_org:
        org = Organization.objects.get(pk=row["organization"])
        try:
            with transaction.atomic():
                JobRun.objects.create(name=f"closing_notice:{org.pk}", run_on=start)
                members_notify(
                    org=org,
                    kind=Notification.Kind.CLOSING_DOCUMENTS,
                    title=_("Closing documents for %(month)s are ready") % {"month": month_name(start)},
                    body=_("%(count)d documents for %(amount)s, dated %(start)s–%(end)s.")
                    % {
                        "count": row["count"],
                        "amount": format_money(row["amount"]),
                        "start": f"{start:%d.%m.%Y}",
                        "end": f"{end:%d.%m.%Y}",
                    },
                    link=link,
                )
        except IntegrityError:
            continue  # told already this month
        told += 1
    return told
