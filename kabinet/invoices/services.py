"""Invoices («Счёт на оплату»): issuing (numbering + a frozen snapshot) and the PDF rendered from it once.

Issuing is the only write and happens on POST. It takes the next number of the creditor's year
under a row lock, freezes both parties' requisites, the lines, VAT per rate, totals, the purpose and
the ГОСТ Р 56042 QR payload in `Invoice.snapshot`, then renders the PDF from the snapshot and
stores it. Downloads read the stored file and never render or write again.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record
from kabinet.contracts.models import Contract
from kabinet.core import numbering, qr
from kabinet.core.formatting import format_money
from kabinet.core.money import amount_in_words, to_kopecks
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf, stored_image_data_uri
from kabinet.creditors.models import Creditor, Product
from kabinet.invoices import figures
from kabinet.invoices.models import Invoice, InvoiceCounter

log = logging.getLogger(__name__)

PURPOSE_LIMIT = 210
SNAPSHOT_VERSION = 1


class NothingToInvoice(ObjectDoesNotExist):
    """No such payment or contract in the organization, or nothing is due on it (the view answers 404)."""


def _rate(rate) -> str:
    return format(Decimal(rate).normalize(), "f")


def _dmy(day) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _vat_phrase(vat: list[dict]) -> str:
    parts = [
        _("VAT %(rate)s %% — %(amount)s") % {"rate": v["rate"], "amount": format_money(Decimal(v["amount"]), _("rub."))}
        for v in vat
    ]
    return _("Including %(parts)s") % {"parts": ", ".join(parts)} if parts else _("VAT exempt")


def _purpose(head: str, vat: list[dict]) -> str:
    """«Назначение платежа»: the contract and the VAT, at most 210 characters."""
    tail = ". " + _vat_phrase(vat).replace("\u202f", " ").replace("\u00a0", " ")
    room = PURPOSE_LIMIT - len(tail)
    return qr.shorten(head, room) + tail


def is_factoring(contract: Contract) -> bool:
    return contract.product.kind == Product.Kind.FACTORING


def contract_basis(contract: Contract) -> str:
    """«Договор лизинга № … от …» or «Договор факторинга № … от …»."""
    if is_factoring(contract):
        basis = _("Factoring contract No. %(number)s") % {"number": contract.number}
    else:
        basis = _("Leasing contract No. %(number)s") % {"number": contract.number}
    if contract.signed_on:
        basis += " " + _("of %(date)s") % {"date": _dmy(contract.signed_on)}
    return basis


def _next_number(creditor, year: int) -> tuple[int, str]:
    """Take the next number of the creditor's year (sequential, no gaps, no doubles)."""
    sequence = numbering.next_in_sequence(InvoiceCounter, creditor=creditor, year=year)
    return sequence, numbering.yearly_number(year, sequence)


def _supplier(creditor: Creditor) -> dict:
    return {
        "name": creditor.name,
        "inn": creditor.inn,
        "kpp": creditor.kpp,
        "ogrn": creditor.ogrn,
        "address": creditor.legal_address,
        "bank_name": creditor.bank_name,
        "bic": creditor.bic,
        "correspondent_account": creditor.correspondent_account,
        "settlement_account": creditor.settlement_account,
        "director": creditor.director_name,
        "accountant": creditor.accountant_name,
        # Storage names: uploads get fresh names, so a replaced facsimile never changes an issued one.
        "director_facsimile": creditor.director_facsimile.name or "",
        "accountant_facsimile": creditor.accountant_facsimile.name or "",
    }


def _buyer(org) -> dict:
    return {
        "name": org.full_name or org.name,
        "inn": org.inn,
        "kpp": org.kpp,
        "address": org.legal_address,
    }


def _snapshot(*, org, contract: Contract, number: str, today, due_date, lines: list[dict], head: str) -> dict:
    creditor = contract.product.creditor
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
    vat = [{"rate": line["vat_rate"], "amount": line["vat_amount"]} for line in lines if line["vat_rate"] is not None]
    purpose = _purpose(head, vat)
    supplier = _supplier(creditor)
    payload = qr.payee_payload(
        creditor.payee(), amount=total, purpose=purpose, payer_inn=org.inn, contract=contract.number
    )
    return {
        "version": SNAPSHOT_VERSION,
        "number": number,
        "issued_on": today.isoformat(),
        "due_date": due_date.isoformat(),
        "title": _("Invoice No. %(number)s of %(date)s") % {"number": number, "date": _dmy(today)},
        "contract_kind": contract.product.kind,
        "supplier": supplier,
        "buyer": _buyer(org),
        "basis": contract_basis(contract),
        "lines": lines,
        "vat": vat,
        "total": str(total),
        "words": amount_in_words(total),
        "purpose": purpose,
        "qr_payload": payload,
    }


def _line(description: str, amount: Decimal, rate: Decimal | None, vat: Decimal) -> dict:
    return {
        "description": description,
        "quantity": "1",
        "unit": _("serv."),
        "price": str(amount),
        "amount": str(amount),
        "vat_rate": _rate(rate) if rate is not None else None,
        "vat_amount": str(vat),
    }


def _issue(
    *, org, contract: Contract, existing, fields: dict, build, actor=None, origin: Origin | None = None
) -> Invoice:
    """Return the invoice `existing()` finds, or take a number and create one from `build(number, today)`."""
    found = existing()
    if found is None:
        creditor = contract.product.creditor
        today = timezone.localdate()
        with transaction.atomic():
            # The counter lock serializes concurrent requests of a creditor, so the check below sees a
            # twin request's invoice and returns it instead of taking a second number.
            sequence, number = _next_number(creditor, today.year)
            found = existing()
            if found is not None:
                transaction.set_rollback(True)
            else:
                snapshot = build(number, today)
                found = Invoice.objects.create(
                    organization=org,
                    creditor=creditor,
                    year=today.year,
                    sequence=sequence,
                    number=number,
                    issued_on=today,
                    due_date=snapshot["due_date"],
                    contract=contract,
                    description="; ".join(line["description"] for line in snapshot["lines"])[:255],
                    amount=Decimal(snapshot["total"]),
                    vat=snapshot["vat"],
                    purpose=snapshot["purpose"],
                    snapshot=snapshot,
                    **fields,
                )
                audit_record(
                    action="invoice_issued",
                    organization=org,
                    actor=actor,
                    obj=found,
                    after={"number": number, "amount": snapshot["total"], "contract": contract.number},
                    origin=origin,
                )
    if not found.pdf:
        store_pdf(found)
    return found


def store_pdf(invoice: Invoice) -> None:
    """Render the PDF from the snapshot and store it, once (a twin request's copy is discarded)."""
    content = render_pdf(invoice.snapshot)
    name = invoice._meta.get_field("pdf").generate_filename(invoice, f"{invoice.number}.pdf")

    stored = default_storage.save(name, ContentFile(content))
    if Invoice.objects.filter(pk=invoice.pk, pdf="").update(pdf=stored):
        invoice.pdf.name = stored
    else:
        default_storage.delete(stored)
        invoice.refresh_from_db(fields=["pdf"])


def invoice_issue_for_payment(*, org, payment_id: int, actor=None, origin: Origin | None = None) -> Invoice:
    """Issue (or return the already issued) invoice for what is still to pay of one schedule line."""
    due = figures.payment_due(org, payment_id)
    if due is None:
        raise NothingToInvoice
    payment = due.payment
    contract = Contract.objects.for_org(org).select_related("product__creditor").get(pk=payment.contract_id)
    amount = to_kopecks(due.amount)

    def existing():
        return (
            Invoice.objects.for_org(org)
            .filter(kind=Invoice.Kind.PAYMENT, payment=payment, amount=amount)
            .select_related("contract")
            .first()
        )

    def build(number: str, today) -> dict:
        period = date_format(payment.due_date, "F Y").lower()
        values = {"n": payment.number, "contract": contract.number, "period": period}
        if is_factoring(contract):
            description = _("Payment No. %(n)s under factoring contract No. %(contract)s for %(period)s") % values
            head = _("Payment No. %(n)s for %(period)s under factoring contract No. %(contract)s") % values
        else:
            description = _("Leasing payment No. %(n)s under contract No. %(contract)s for %(period)s") % values
            head = _("Leasing payment No. %(n)s for %(period)s under contract No. %(contract)s") % values
        if contract.signed_on:
            head += " " + _("of %(date)s") % {"date": _dmy(contract.signed_on)}
        head += ", " + _("invoice No. %(number)s") % {"number": number}
        return _snapshot(
            org=org,
            contract=contract,
            number=number,
            today=today,
            due_date=max(payment.due_date, today),
            lines=[_line(description, amount, due.vat_rate, to_kopecks(due.vat))],
            head=head,
        )

    return _issue(
        org=org,
        contract=contract,
        existing=existing,
        fields={"kind": Invoice.Kind.PAYMENT, "payment": payment},
        build=build,
        actor=actor,
        origin=origin,
    )


def invoice_issue_for_debt(*, org, contract_id: int, actor=None, origin: Origin | None = None) -> Invoice:
    """Issue (or return the still matching) invoice for a contract's overdue debt: one line per VAT rate."""
    contract = Contract.objects.for_org(org).select_related("product__creditor").filter(pk=contract_id).first()
    if contract is None:
        raise NothingToInvoice
    lines = figures.debt_lines(org, contract)
    if not lines:
        raise NothingToInvoice
    amount = to_kopecks(sum((line.amount for line in lines), Decimal("0")))
    # The same rates and sums `_snapshot` writes: penalties (no VAT) add to the total, not to the VAT.
    vat = [{"rate": _rate(line.rate), "amount": str(to_kopecks(line.vat))} for line in lines if line.rate is not None]

    def existing():
        latest = (
            Invoice.objects.for_org(org)
            .filter(kind=Invoice.Kind.DEBT, contract=contract)
            .select_related("contract")
            .order_by("-issued_on", "-sequence")
            .first()
        )
        return latest if latest is not None and latest.amount == amount and latest.vat == vat else None

    def build(number: str, today) -> dict:
        values = {"contract": contract.number, "date": _dmy(today), "number": number}
        if is_factoring(contract):
            head = _("Repayment of the overdue debt under factoring contract No. %(contract)s, invoice No. %(number)s")
            line_text = _("Overdue debt under factoring contract No. %(contract)s as of %(date)s")
        else:
            head = _("Repayment of the overdue debt under leasing contract No. %(contract)s, invoice No. %(number)s")
            line_text = _("Overdue debt under leasing contract No. %(contract)s as of %(date)s")
        rows = []
        for line in lines:
            if line.is_penalty:
                description = _("Penalties under contract No. %(contract)s as of %(date)s") % values
            else:
                description = line_text % values
                if len(lines) > 1:
                    if line.rate is None:
                        description += ", " + _("no VAT")
                    else:
                        description += ", " + _("VAT %(rate)s %%") % {"rate": _rate(line.rate)}
            rows.append(_line(description, to_kopecks(line.amount), line.rate, to_kopecks(line.vat)))
        return _snapshot(
            org=org, contract=contract, number=number, today=today, due_date=today, lines=rows, head=head % values
        )

    return _issue(
        org=org,
        contract=contract,
        existing=existing,
        fields={"kind": Invoice.Kind.DEBT, "debt_as_of": timezone.localdate()},
        build=build,
        actor=actor,
        origin=origin,
    )


def _decimal(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def render_pdf(snapshot: dict) -> bytes:
    """The invoice PDF, from the frozen snapshot only (never from today's requisites)."""
    doc = dict(snapshot)
    doc["issued_on"] = date.fromisoformat(snapshot["issued_on"])
    doc["due_date"] = date.fromisoformat(snapshot["due_date"])
    doc["total"] = Decimal(snapshot["total"])
    doc["lines"] = [
        {
            **line,
            "price": Decimal(line["price"]),
            "amount": Decimal(line["amount"]),
            "vat_rate": _decimal(line["vat_rate"]),
            "vat_amount": _decimal(line["vat_amount"]),
        }
        for line in snapshot["lines"]
    ]
    doc["vat"] = [{"rate": Decimal(v["rate"]), "amount": Decimal(v["amount"])} for v in snapshot["vat"]]
    supplier = snapshot["supplier"]
    html = render_to_string(
        "invoices/invoice.html",
        {
            "doc": doc,
            "supplier": supplier,
            "buyer": snapshot["buyer"],
            "qr": qr.qr_png_data_uri(snapshot["qr_payload"]),
            "director_facsimile": stored_image_data_uri(supplier.get("director_facsimile", "")),
            "accountant_facsimile": stored_image_data_uri(supplier.get("accountant_facsimile", "")),
        },
    )
    return html_to_pdf(html)


def invoice_pdf(invoice: Invoice) -> bytes:
    """The issued PDF's bytes: the stored file; rendered from the snapshot (without storing) only if the
    file was lost. Reads only."""
    if invoice.pdf:
        try:
            with invoice.pdf.open("rb") as handle:
                return handle.read()
        except (FileNotFoundError, OSError):
            log.warning("invoice %s: stored PDF %s is missing; rendering from the snapshot", invoice.pk, invoice.pdf)
    return render_pdf(invoice.snapshot)
