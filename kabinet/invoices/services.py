"""Invoices («Счёт на оплату»): numbering, amounts, purpose, and the PDF."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kabinet.contracts.models import Contract
from kabinet.core.formatting import format_money
from kabinet.core.money import amount_in_words, to_kopecks
from kabinet.invoices import qr
from kabinet.invoices.models import Invoice, InvoiceCounter

PURPOSE_LIMIT = 210


def _rate(rate) -> str:
    return format(Decimal(rate).normalize(), "f")


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


def _next_number(creditor, year: int) -> tuple[int, str]:
    """Take the next number of the creditor's year under a row lock (sequential, no gaps, no doubles)."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(creditor=creditor, year=year)
    except IntegrityError:
        pass  # created by a concurrent request a moment ago
    counter = InvoiceCounter.objects.select_for_update().get(creditor=creditor, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:06d}"


def _issue(*, org, contract: Contract, lookup: dict, build) -> Invoice:
    creditor = contract.product.creditor
    today = timezone.localdate()
    existing = Invoice.objects.for_org(org).filter(**lookup).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # The counter lock serializes concurrent requests of a creditor, so the check below sees a
        # twin request's invoice and returns it instead of taking a second number.
        sequence, number = _next_number(creditor, today.year)
        existing = Invoice.objects.for_org(org).filter(**lookup).first()
        if existing is not None:
            transaction.set_rollback(True)
            return existing
        fields = build(number)
        return Invoice.objects.create(
            organization=org,
            creditor=creditor,
            year=today.year,
            sequence=sequence,
            number=number,
            issued_on=today,
            contract=contract,
            **lookup,
            **fields,
        )


def invoice_for_payment(*, org, payment_id: int) -> Invoice:
    from kabinet.contracts import ledger

    payment = ledger.payment_line(org, payment_id)
    if payment is None or payment.outstanding <= 0:
        raise Http404
    amount = to_kopecks(payment.outstanding)
    vat = [{"rate": _rate(payment.vat_rate), "amount": str(payment.outstanding_vat)}]
    contract = Contract.objects.select_related("product__creditor").get(pk=payment.contract_id)

    def build(number: str) -> dict:
        period = date_format(payment.due_date, "F Y").lower()
        signed = contract.signed_on.strftime("%d.%m.%Y") if contract.signed_on else ""
        head = _("Leasing payment No. %(n)s for %(period)s under contract No. %(contract)s") % {
            "n": payment.number,
            "period": period,
            "contract": contract.number,
        }
        if signed:
            head += " " + _("of %(date)s") % {"date": signed}
        head += ", " + _("invoice No. %(number)s") % {"number": number}
        return {
            "kind": Invoice.Kind.PAYMENT,
            "due_date": max(payment.due_date, timezone.localdate()),
            "description": _("Leasing payment No. %(n)s under contract No. %(contract)s for %(period)s")
            % {
                "n": payment.number,
                "contract": contract.number,
                "period": period,
            },
            "vat": vat,
            "purpose": _purpose(head, vat),
        }

    return _issue(org=org, contract=contract, lookup={"payment": payment, "amount": amount}, build=build)


def debt_vat(lines) -> list[dict]:
    """VAT inside the overdue debt: one entry per rate, each the sum of its charges' VAT (`ledger.debt_lines`)."""
    return [
        {"rate": _rate(line.rate), "amount": str(line.vat)}
        for line in lines
        if line.rate is not None and line.amount > 0
    ]


def invoice_for_debt(*, org, contract_id: int) -> Invoice:
    from kabinet.contracts import ledger

    contract = Contract.objects.for_org(org).select_related("product__creditor").filter(pk=contract_id).first()
    if contract is None:
        raise Http404
    card = ledger.contract_ledger(contract)
    if card.overdue <= 0:
        raise Http404
    amount = to_kopecks(card.overdue)
    vat = debt_vat(card.debt_lines)
    as_of = card.today

    def build(number: str) -> dict:
        head = _("Repayment of the overdue debt under leasing contract No. %(contract)s, invoice No. %(number)s") % {
            "contract": contract.number,
            "number": number,
        }
        return {
            "kind": Invoice.Kind.DEBT,
            "due_date": timezone.localdate(),
            "description": _("Overdue debt under contract No. %(contract)s as of %(date)s")
            % {
                "contract": contract.number,
                "date": as_of.strftime("%d.%m.%Y"),
            },
            "vat": vat,
            "purpose": _purpose(head, vat),
        }

    return _issue(org=org, contract=contract, lookup={"debt_as_of": as_of, "amount": amount}, build=build)


def invoice_qr_payload(invoice: Invoice) -> str:
    creditor, org = invoice.creditor, invoice.organization
    return qr.payment_payload(
        name=creditor.name,
        account=creditor.settlement_account,
        bank_name=creditor.bank_name,
        bic=creditor.bic,
        correspondent_account=creditor.correspondent_account,
        payee_inn=creditor.inn,
        kpp=creditor.kpp,
        amount=invoice.amount,
        purpose=invoice.purpose,
        payer_inn=org.inn,
        contract=invoice.contract.number,
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML

    payload = invoice_qr_payload(invoice)
    html = render_to_string(
        "invoices/invoice.html",
        {
            "invoice": invoice,
            "creditor": invoice.creditor,
            "buyer": invoice.organization,
            "contract": invoice.contract,
            "vat": [{"rate": Decimal(v["rate"]), "amount": Decimal(v["amount"])} for v in invoice.vat],
            "words": amount_in_words(invoice.amount),
            "qr": qr.qr_svg_data_uri(payload),
            "title": _("Invoice No. %(number)s of %(date)s")
            % {"number": invoice.number, "date": invoice.issued_on.strftime("%d.%m.%Y")},
        },
    )
    return HTML(string=html).write_pdf()
