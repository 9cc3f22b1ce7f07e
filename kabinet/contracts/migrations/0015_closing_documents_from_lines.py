"""The primary documents the books named on schedule lines (kind, number, date) become closing-document
records: one per creditor, kind, number and date, with the lines' sums per VAT rate. The lines keep
naming them (the акт cites them as before); the records are what «Закрывающие документы» lists. A line
without a number or a date names no document and is left alone. Reversible: the records made here go."""

from decimal import Decimal

from django.db import migrations

# What the books wrote as the kind → the record's kind; anything else (or nothing) is an УПД, as the акт reads it.
_KINDS = {
    "упд": "upd",
    "счёт-фактура": "invoice",
    "счет-фактура": "invoice",
    "сф": "invoice",
    "акт": "act",
    "укд": "correction",
    "корректировочный": "correction",
    "корректировочная счёт-фактура": "correction",
    "корректировочная счет-фактура": "correction",
    "ксф": "correction",
}


def kind_of(text: str) -> str:
    return _KINDS.get((text or "").strip().casefold(), "upd")


def forwards(apps, schema_editor):
    ScheduledPayment = apps.get_model("contracts", "ScheduledPayment")
    ClosingDocument = apps.get_model("contracts", "ClosingDocument")
    ClosingDocumentVat = apps.get_model("contracts", "ClosingDocumentVat")
    lines = (
        ScheduledPayment.objects.exclude(document_number="")
        .filter(document_date__isnull=False)
        .select_related("contract__product")
        .order_by("id")
    )
    groups: dict[tuple, dict] = {}
    for line in lines.iterator(chunk_size=2000):
        key = (line.contract.product.creditor_id, kind_of(line.document_kind), line.document_number, line.document_date)
        group = groups.setdefault(
            key, {"organization_id": line.organization_id, "contracts": set(), "rates": {}, "first": line.due_date}
        )
        if group["organization_id"] != line.organization_id:
            continue  # one creditor's number of two clients: not one document, left to the books to send
        group["contracts"].add(line.contract_id)
        amount, vat = group["rates"].get(line.vat_rate, (Decimal("0"), Decimal("0")))
        group["rates"][line.vat_rate] = (amount + line.amount, vat + line.vat_amount)
        group["first"] = min(group["first"], line.due_date)
    for (creditor_id, kind, number, day), group in groups.items():
        if ClosingDocument.objects.filter(creditor_id=creditor_id, kind=kind, number=number, date=day).exists():
            continue
        contracts = group["contracts"]
        document = ClosingDocument.objects.create(
            organization_id=group["organization_id"],
            creditor_id=creditor_id,
            contract_id=next(iter(contracts)) if len(contracts) == 1 else None,
            kind=kind,
            number=number,
            date=day,
            period_start=group["first"].replace(day=1),
            period_end=day,
            amount=sum((amount for amount, _vat in group["rates"].values()), Decimal("0")),
            external_id=None,
        )
        ClosingDocumentVat.objects.bulk_create(
            ClosingDocumentVat(organization_id=document.organization_id, document=document, rate=rate, amount=a, vat=v)
            for rate, (a, v) in group["rates"].items()
        )


def backwards(apps, schema_editor):
    apps.get_model("contracts", "ClosingDocument").objects.filter(external_id__isnull=True, pdf="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0014_closing_documents"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
