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
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kabinet.audit.models import ApiEvent
from kabinet.audit.services import audit_record, record_event
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core import numbering, qr
from kabinet.core.formatting import format_money
from kabinet.core.links import absolute_url
from kabinet.core.money import amount_in_words, to_kopecks
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf, stored_image_data_uri
from kabinet.creditors.models import Creditor, Product
from kabinet.invoices import bank_exchange, selectors
from kabinet.invoices.models import Invoice, InvoiceCounter
from kabinet.organizations.models import SettlementAccount

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
    vat = _vat_per_rate(lines)
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


def _vat_per_rate(lines: list[dict]) -> list[dict]:
    """VAT per rate over the lines (several lines may share a rate: the schedule and an adjustment)."""
    sums: dict[str, Decimal] = {}
    for line in lines:
        if line["vat_rate"] is not None:
            sums[line["vat_rate"]] = sums.get(line["vat_rate"], Decimal("0")) + Decimal(line["vat_amount"])
    return [{"rate": rate, "amount": str(amount)} for rate, amount in sorted(sums.items(), key=lambda r: Decimal(r[0]))]


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


def _mark_replaced(org, invoice: Invoice, same_target: dict) -> None:
    """The invoices for the same line (or contract's debt) that the books annulled are replaced by
    `invoice`: a status link, written with the new number (docs/ledger-rules.md); their documents are
    not touched."""
    earlier = list(
        Invoice.objects.for_org(org)
        .filter(kind=invoice.kind, replaced_by__isnull=True, **same_target)
        .exclude(pk=invoice.pk)
        .defer("snapshot")
    )
    annulled = [i.pk for i in selectors.with_status(org, earlier) if i.status == selectors.InvoiceStatus.ANNULLED]
    if annulled:
        Invoice.objects.filter(pk__in=annulled).update(replaced_by=invoice)


def _issue(
    *,
    org,
    contract: Contract,
    existing,
    fields: dict,
    build,
    same_target: dict,
    actor=None,
    origin: Origin | None = None,
) -> Invoice:
    """Return the invoice `existing()` finds, or take a number and create one from `build(number, today)`
    (and link the annulled invoices it replaces)."""
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
                _mark_replaced(org, found, same_target)
                record_event(
                    action="invoice_issued",
                    organization=org,
                    actor=actor,
                    obj=found,
                    after={"number": number, "amount": snapshot["total"], "contract": contract.number},
                    origin=origin,
                    event=ApiEvent.Kind.INVOICE_ISSUED,
                    creditor_id=creditor.pk,
                    payload={
                        "invoice_id": found.pk,
                        "number": number,
                        "amount": str(snapshot["total"]),
                        "due_date": str(snapshot["due_date"]),
                        "contract_id": contract.pk,
                        "contract": contract.number,
                        "pdf": absolute_url("api:client_invoice_pdf", found.pk),
                    },
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


def payment_invoice_issue(*, org, payment_id: int, actor=None, origin: Origin | None = None) -> Invoice:
    """Issue (or return the already issued) invoice for what is still to pay of one schedule line."""
    due = selectors.payment_due(org, payment_id)
    if due is None:
        raise NothingToInvoice
    payment = due.payment
    contract = Contract.objects.for_org(org).select_related("product__creditor").get(pk=payment.contract_id)
    amount = to_kopecks(due.amount)
    printed = selectors.fingerprint(selectors.payment_print(payment, contract.product.creditor))

    def existing():
        # The same line, amount and print; an invoice issued before fingerprints by amount, as it was.
        return (
            Invoice.objects.for_org(org)
            .filter(
                Q(fingerprint=printed) | Q(fingerprint=""), kind=Invoice.Kind.PAYMENT, payment=payment, amount=amount
            )
            .select_related("contract")
            .order_by("-fingerprint", "-pk")
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
        fields={
            "kind": Invoice.Kind.PAYMENT,
            "payment": payment,
            "fingerprint": printed,
            "settled_at_issue": payment.paid_amount,
        },
        build=build,
        same_target={"payment": payment},
        actor=actor,
        origin=origin,
    )


def _debt_row(item, values: dict, line_text: str, rates: int) -> dict:
    """One line of the debt invoice: the schedule of a rate, a penalty or an adjustment with its basis."""
    if item.kind == ledger.BOOKS:
        books = {**values, "date": _dmy(item.on)} if item.on else values
        if item.amount > 0:
            description = _("Debt by the books as of %(date)s, not itemized by the books") % books
        else:
            description = _("Reduction by the books as of %(date)s") % books
        if item.rate is not None and rates > 1:
            description += ", " + _("VAT %(rate)s %%") % {"rate": _rate(item.rate)}
    elif item.kind == ledger.PENALTY:
        description = _("Penalties under contract No. %(contract)s as of %(date)s") % values
    elif item.kind == ledger.ADJUSTMENT:
        description = _("Adjustment under contract No. %(contract)s") % values
    else:
        description = line_text % values
        if rates > 1:
            description += ", " + _("VAT %(rate)s %%") % {"rate": _rate(item.rate)}
    if item.basis:
        description += " (" + _("basis: %(basis)s") % {"basis": item.basis} + ")"
    return _line(description, to_kopecks(item.amount), item.rate, to_kopecks(item.vat))


def debt_invoice_issue(*, org, contract_id: int, actor=None, origin: Origin | None = None) -> Invoice:
    """Issue (or return the still matching) invoice for a contract's overdue debt: the schedule one line
    per VAT rate, each penalty and each adjustment on its own line with the books' basis."""
    contract = Contract.objects.for_org(org).select_related("product__creditor").filter(pk=contract_id).first()
    if contract is None:
        raise NothingToInvoice
    items, received = selectors.contract_debt_now(contract)
    if not items:
        raise NothingToInvoice
    amount = to_kopecks(sum((item.amount for item in items), Decimal("0")))
    printed = selectors.fingerprint(selectors.debt_print(items, contract.product.creditor))
    # The same rates and sums `_snapshot` writes (an invoice issued before fingerprints is compared by them).
    vat: dict[str, Decimal] = {}
    for item in items:
        if item.rate is not None:
            vat[_rate(item.rate)] = vat.get(_rate(item.rate), Decimal("0")) + to_kopecks(item.vat)
    vat_list = [{"rate": r, "amount": str(a)} for r, a in sorted(vat.items(), key=lambda r: Decimal(r[0]))]

    def existing():
        debts = Invoice.objects.for_org(org).filter(kind=Invoice.Kind.DEBT, contract=contract, amount=amount)
        # Still current (row 1 of docs/ledger-rules.md): the same print, and nothing paid against it — no
        # money received since, or what was received since has been reversed (the newest such invoice).
        same = (
            debts.filter(fingerprint=printed, settled_at_issue__gte=received)
            .order_by("-issued_on", "-sequence")
            .first()
        )
        if same is not None:
            return same
        latest = debts.filter(fingerprint="").order_by("-issued_on", "-sequence").first()  # issued before fingerprints
        return latest if latest is not None and latest.vat == vat_list else None

    def build(number: str, today) -> dict:
        values = {"contract": contract.number, "date": _dmy(today), "number": number}
        if is_factoring(contract):
            head = _("Repayment of the overdue debt under factoring contract No. %(contract)s, invoice No. %(number)s")
            line_text = _("Overdue debt under factoring contract No. %(contract)s as of %(date)s")
        else:
            head = _("Repayment of the overdue debt under leasing contract No. %(contract)s, invoice No. %(number)s")
            line_text = _("Overdue debt under leasing contract No. %(contract)s as of %(date)s")
        rates = sum(1 for item in items if item.kind == ledger.LINE)
        rows = [_debt_row(item, values, line_text, rates) for item in items]
        return _snapshot(
            org=org, contract=contract, number=number, today=today, due_date=today, lines=rows, head=head % values
        )

    return _issue(
        org=org,
        contract=contract,
        existing=existing,
        fields={
            "kind": Invoice.Kind.DEBT,
            "debt_as_of": timezone.localdate(),
            "fingerprint": printed,
            "settled_at_issue": received,
        },
        build=build,
        same_target={"contract": contract},
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


class PaymentOrdersRefused(ValueError):
    """The payment orders cannot be written: the sentence says why (shown next to the list)."""


def _payer(org, account) -> bank_exchange.Party:
    return bank_exchange.Party(
        name=org.full_name or org.name,
        inn=org.inn,
        kpp=org.kpp,
        account=account.account,
        bank_name=account.bank_name,
        bank_city=account.bank_city,
        bic=account.bic,
        correspondent_account=account.correspondent_account,
    )


def _recipient(invoice: Invoice) -> bank_exchange.Party:
    supplier = invoice.snapshot["supplier"]  # the creditor as the invoice printed it
    return bank_exchange.Party(
        name=supplier["name"],
        inn=supplier["inn"],
        kpp=supplier["kpp"],
        account=supplier["settlement_account"],
        bank_name=supplier["bank_name"],
        bank_city="",
        bic=supplier["bic"],
        correspondent_account=supplier["correspondent_account"],
    )


def payment_orders_write(
    *, org, invoice_ids: list[int], account_id: int, first_number: int, actor=None, origin: Origin | None = None
) -> tuple[bytes, int]:
    """The 1CClientBankExchange file paying the chosen invoices from the chosen account of the organization,
    numbered from `first_number`; the account remembers the next number. Only invoices still to pay
    (актуален) go in: any other is refused by number, and nothing is written. The file and the count."""
    with transaction.atomic():
        account = SettlementAccount.objects.for_org(org).select_for_update().filter(pk=account_id).first()
        if account is None:
            raise PaymentOrdersRefused(_("Choose the account to pay from."))
        invoices = list(Invoice.objects.for_org(org).filter(pk__in=invoice_ids).order_by("issued_on", "sequence"))
        if not invoices or len(invoices) != len(set(invoice_ids)):
            raise PaymentOrdersRefused(_("Tick the invoices to pay."))
        not_due = [
            i.number for i in selectors.with_status(org, invoices) if i.status != selectors.InvoiceStatus.CURRENT
        ]
        if not_due:
            raise PaymentOrdersRefused(
                _("Invoices %(numbers)s are no longer to be paid as issued (paid, partly paid or annulled).")
                % {"numbers": ", ".join(not_due)}
            )
        now = timezone.localtime()
        payer = _payer(org, account)
        orders = [
            bank_exchange.PaymentOrder(
                number=first_number + n,
                day=now.date(),
                amount=invoice.amount,
                payer=payer,
                recipient=_recipient(invoice),
                purpose=invoice.purpose,
            )
            for n, invoice in enumerate(invoices)
        ]
        account.next_order_number = first_number + len(orders)
        account.save(update_fields=["next_order_number", "updated_at"])
        audit_record(
            organization=org,
            actor=actor,
            action="payment_orders_written",
            obj=account,
            after={
                "invoices": [i.number for i in invoices],
                "first_number": first_number,
                "account": account.account,
                "total": str(sum((i.amount for i in invoices), Decimal("0"))),
            },
            origin=origin,
        )
    return bank_exchange.exchange_file(orders, account.account, now), len(orders)


def payment_orders_for_rows(
    *,
    org,
    payment_ids: list[int],
    contract_ids: list[int],
    invoice_ids: list[int],
    account_id: int | None,
    actor=None,
    origin: Origin | None = None,
) -> tuple[bytes, int]:
    """«Платёжные поручения для банка» from the ticked rows of the payment calendar (schedule lines), the
    overdue debt (contracts) and the issued invoices: the rows without an invoice get theirs issued first,
    then one file pays them all, from the chosen account (the default one when none is chosen) — in one
    transaction, so a refusal leaves no invoice issued by this request. A row of another organization
    raises NothingToInvoice (a 404 for the view); a refusal PaymentOrdersRefused, in words."""
    if not (payment_ids or contract_ids or invoice_ids):
        raise PaymentOrdersRefused(_("Tick the invoices to pay."))
    accounts = SettlementAccount.objects.for_org(org)
    account = accounts.filter(pk=account_id).first() if account_id else accounts.filter(is_default=True).first()
    if account is None:
        if accounts.exists():
            raise PaymentOrdersRefused(_("Choose the account to pay from."))
        raise PaymentOrdersRefused(
            _("Add the organization's bank account in «Settings» first: the payment orders are paid from it.")
        )
    with transaction.atomic():
        ids = list(dict.fromkeys(invoice_ids))
        for payment_id in dict.fromkeys(payment_ids):
            try:
                ids.append(payment_invoice_issue(org=org, payment_id=payment_id, actor=actor, origin=origin).pk)
            except NothingToInvoice:
                line = ScheduledPayment.objects.for_org(org).select_related("contract").filter(pk=payment_id).first()
                if line is None:
                    raise
                raise PaymentOrdersRefused(
                    _("Payment No. %(n)s under contract No. %(contract)s is already paid: untick it.")
                    % {"n": line.number, "contract": line.contract.number}
                ) from None
        for contract_id in dict.fromkeys(contract_ids):
            try:
                ids.append(debt_invoice_issue(org=org, contract_id=contract_id, actor=actor, origin=origin).pk)
            except NothingToInvoice:
                contract = Contract.objects.for_org(org).filter(pk=contract_id).first()
                if contract is None:
                    raise
                raise PaymentOrdersRefused(
                    _("Contract No. %(contract)s has no overdue debt any more: untick it.")
                    % {"contract": contract.number}
                ) from None
        ids = list(dict.fromkeys(ids))
        if len(ids) != Invoice.objects.for_org(org).filter(pk__in=ids).count():
            raise NothingToInvoice
        return payment_orders_write(
            org=org,
            invoice_ids=ids,
            account_id=account.pk,
            first_number=account.next_order_number,
            actor=actor,
            origin=origin,
        )
