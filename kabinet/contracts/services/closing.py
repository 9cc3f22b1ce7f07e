"""The books' closing documents (УПД, счета-фактуры, акты, корректировочные): one record each
(`ClosingDocument`), written here and nowhere else. The library's entry of its PDF is the documents
app's (`kabinet.documents.closing`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import override

from kabinet.contracts.models import ClosingDocument, ClosingDocumentVat, Contract, ScheduledPayment


@dataclass(frozen=True)
class VatPart:
    rate: Decimal
    vat: Decimal
    amount: Decimal  # the part of the document's amount at this rate, VAT included


@dataclass
class ClosingInput:
    """What the books send about a closing document (the API's body, validated)."""

    organization_id: int
    creditor_id: int
    kind: str
    number: str
    date: dt.date
    amount: Decimal
    contract: Contract | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    vat: list[VatPart] = field(default_factory=list)
    lines: list[ScheduledPayment] = field(default_factory=list)  # the charges it documents (the акт cites it)


_FIELDS = ("organization_id", "creditor_id", "kind", "number", "date", "amount", "period_start", "period_end")


def _vat_of(document: ClosingDocument) -> list[VatPart]:
    return sorted(
        (VatPart(v.rate, v.vat, v.amount) for v in document.vat_lines.all()), key=lambda part: part.rate, reverse=True
    )


def closing_document_put(
    *, instance: ClosingDocument | None, external_id: str | None, data: ClosingInput
) -> tuple[ClosingDocument, bool]:
    """Create or update one closing document with its VAT by rate; the schedule lines it documents name it
    (kind, number, date), so the акт сверки cites it. Returns the record and whether anything changed."""
    with transaction.atomic():
        document = instance or ClosingDocument(external_id=external_id)
        contract_id = data.contract.pk if data.contract else None
        vat = sorted(data.vat, key=lambda part: part.rate, reverse=True)
        changed = instance is None or (
            any(getattr(document, name) != getattr(data, name) for name in _FIELDS)
            or document.contract_id != contract_id
            or (external_id is not None and document.external_id != external_id)
            or _vat_of(document) != vat
        )
        if changed:
            for name in _FIELDS:
                setattr(document, name, getattr(data, name))
            document.contract_id = contract_id
            if external_id is not None:
                document.external_id = external_id
            document.save()
            document.vat_lines.all().delete()
            ClosingDocumentVat.objects.bulk_create(
                ClosingDocumentVat(
                    organization_id=document.organization_id, document=document, rate=p.rate, vat=p.vat, amount=p.amount
                )
                for p in vat
            )
        if data.lines:
            with override("ru"):  # the line keeps the document's name as the акт prints it («УПД»)
                kind_label = str(ClosingDocument.Kind(document.kind).label)
            named = ScheduledPayment.objects.filter(pk__in=[line.pk for line in data.lines]).exclude(
                document_kind=kind_label, document_number=document.number, document_date=document.date
            )
            changed = (
                bool(
                    named.update(document_kind=kind_label, document_number=document.number, document_date=document.date)
                )
                or changed
            )
    return document, changed


def closing_document_lines(document: ClosingDocument):
    """The schedule lines that name the document (the charges the акт cites it for)."""
    return ScheduledPayment.objects.filter(
        organization_id=document.organization_id,
        document_number=document.number,
        document_date=document.date,
    )
