"""Reads of invoices: the list, each one's status computed from the books at read time, and what an
invoice may ask for — thin names over the ledger's selectors (`kabinet.contracts.ledger`), so an invoice,
the card, the calendar and the debt block cannot disagree."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core.access import get_object_for_org
from kabinet.core.formatting import format_money
from kabinet.invoices.models import Invoice

ZERO = ledger.ZERO
DebtLine = ledger.DebtLine  # rate (None: no VAT, e.g. penalties), amount, vat, is_penalty


class InvoiceStatus(models.TextChoices):
    CURRENT = "current", gettext_lazy("Invoice is current")
    PARTLY_PAID = "partly_paid", gettext_lazy("Invoice is partly paid")
    PAID = "paid", gettext_lazy("Invoice is paid")
    ANNULLED = "annulled", gettext_lazy("Invoice is annulled")


def fingerprint(content) -> str:
    """A hash of what an invoice prints that the books may change (`payment_print`, `debt_print`)."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _payee(creditor) -> list[str]:
    return list(dataclasses.astuple(creditor.payee()))


def payment_print(line: ScheduledPayment, creditor) -> dict:
    """What an invoice for a schedule line prints from the books, less what paying it changes: the
    line's number, due date (and so its period), amount and VAT rate, the contract and the payee."""
    return {
        "kind": Invoice.Kind.PAYMENT,
        "line": [line.number, line.due_date.isoformat(), str(line.amount), str(line.vat_rate)],
        "contract": line.contract_id,
        "payee": _payee(creditor),
    }


def _rate(rate: Decimal | None) -> str:
    """A VAT rate as the print holds it: two places, so the VAT table's 22 and a line's 22.00 are one rate."""
    return "None" if rate is None else f"{rate:.2f}"


def debt_print(items: list[ledger.DebtItem], creditor) -> dict:
    """What a debt invoice prints from the books: each line (kind, the books' id, basis, rate, amount,
    VAT) and the payee. The issue date (and the «as of» date it prints) is the document's own."""
    return {
        "kind": Invoice.Kind.DEBT,
        # The books' residual adds its date (B5); the other items print as they always did.
        "items": [
            [i.kind, i.id, i.basis, _rate(i.rate), str(i.amount), str(i.vat), *([str(i.on)] if i.on else [])]
            for i in items
        ],
        "payee": _payee(creditor),
    }


def invoice_list(
    org,
    *,
    contract_id: int | None = None,
    creditor=None,
    status: str | None = None,
    issued_from=None,
    issued_to=None,
) -> QuerySet:
    """The organization's issued invoices, newest first: in a creditor section when one is given, by
    contract, by period of issue, and by status today (computed from the books for the invoices the
    other filters leave, in a constant number of queries)."""
    invoices = Invoice.objects.for_org(org).select_related("contract", "creditor")
    if creditor is not None:
        invoices = invoices.filter(creditor=creditor)
    if contract_id:
        invoices = invoices.filter(contract_id=contract_id)
    if issued_from:
        invoices = invoices.filter(issued_on__gte=issued_from)
    if issued_to:
        invoices = invoices.filter(issued_on__lte=issued_to)
    if status:
        # The status is not a column: read what it depends on, keep the ids that have it.
        # Everything the status reads (the fingerprint and what was settled at issue too), not the snapshot.
        heads = list(invoices.select_related(None).defer("snapshot", "pdf"))
        invoices = invoices.filter(pk__in=[i.pk for i in with_status(org, heads) if i.status == status])
    return invoices.defer("snapshot").order_by("-issued_on", "-sequence")


def issued_invoice(org, pk: int) -> Invoice:
    """One issued invoice of the organization, what its download needs (no snapshot unless it is rendered)."""
    return get_object_for_org(Invoice.objects.only("pk", "organization_id", "number", "pdf"), org, pk=pk)


@dataclass(frozen=True)
class _Now:
    """What the books say now about what an invoice asked for."""

    exists: bool  # the line (or any overdue debt) is still there
    still_due: Decimal  # what a fresh invoice would ask for
    settled: Decimal | None  # the line's paid amount, or the contract's payments received
    fingerprint: str


def _state(invoice: Invoice, now: _Now) -> tuple[str, Decimal]:
    """The status and the part paid against the invoice, by the table of docs/ledger-rules.md."""
    if invoice.settled_at_issue is None or now.settled is None:  # issued before fingerprints: by amount
        if not now.exists:
            return InvoiceStatus.ANNULLED, ZERO
        if now.still_due <= 0:
            return InvoiceStatus.PAID, invoice.amount
        if now.still_due < invoice.amount:
            return InvoiceStatus.PARTLY_PAID, invoice.amount - now.still_due
        return (InvoiceStatus.CURRENT if now.still_due == invoice.amount else InvoiceStatus.ANNULLED), ZERO
    # Money received against it moves its status, whatever else changed; it never annuls it.
    paid = min(max(now.settled - invoice.settled_at_issue, ZERO), invoice.amount)
    if paid >= invoice.amount:
        return InvoiceStatus.PAID, paid
    if paid > 0:
        return InvoiceStatus.PARTLY_PAID, paid
    if now.exists and now.fingerprint == invoice.fingerprint and now.still_due == invoice.amount:
        return InvoiceStatus.CURRENT, ZERO
    return InvoiceStatus.ANNULLED, ZERO


def _label(invoice: Invoice, replaced_by: dict[int, str]) -> str:
    label = str(InvoiceStatus(invoice.status).label)
    if invoice.status == InvoiceStatus.PARTLY_PAID:
        return _("%(label)s: %(paid)s of %(total)s paid") % {
            "label": label,
            "paid": format_money(invoice.paid_part, _("rub.")),
            "total": format_money(invoice.amount, _("rub.")),
        }
    if invoice.status == InvoiceStatus.ANNULLED:
        if invoice.replaced_by_id in replaced_by:
            return _("%(label)s, replaced by invoice No. %(number)s") % {
                "label": label,
                "number": replaced_by[invoice.replaced_by_id],
            }
        return _("%(label)s: the books changed or removed what it invoiced") % {"label": label}
    return label


def _payments_now(org, invoices: list[Invoice]) -> dict[int, _Now]:
    ids = [i.payment_id for i in invoices if i.payment_id]
    lines = ledger.lines_state(org, ids) if ids else {}
    out = {}
    for pk, line in lines.items():
        out[pk] = _Now(
            exists=True,
            still_due=line.outstanding,
            settled=line.paid_amount,
            fingerprint=fingerprint(payment_print(line, line.contract.product.creditor)),
        )
    return out


def contract_debt_now(contract: Contract) -> tuple[list[ledger.DebtItem], Decimal]:
    """The contract's debt as a debt invoice prints it (the portal's lines and the books' residual, adding
    up to `ContractLedger.debt`: docs/ledger-rules.md, B5), and the payments received under the contract.
    No items when there is no debt."""
    state = ledger.contract_ledger(contract)
    if state.debt <= 0:
        return [], state.received
    return [i for i in state.debt_items if i.amount != 0], state.received


def _debts_now(org, invoices: list[Invoice]) -> dict[int, _Now]:
    ids = {i.contract_id for i in invoices}
    if not ids:
        return {}  # no debt invoice on the page: no query to build (it would match nothing)
    contracts = Contract.objects.for_org(org).filter(pk__in=ids).select_related("product__creditor")
    out = {}
    for contract in contracts:
        items, received = contract_debt_now(contract)
        out[contract.pk] = _Now(
            exists=bool(items),
            still_due=sum((i.amount for i in items), ZERO),
            settled=received,
            fingerprint=fingerprint(debt_print(items, contract.product.creditor)),
        )
    return out


_GONE = _Now(exists=False, still_due=ZERO, settled=None, fingerprint="")


def with_status(org, invoices: list[Invoice]) -> list[Invoice]:
    """Set `status`, `paid_part` and `status_label` on each invoice, from the books now (reads only):
    актуален, частично оплачен (with the part paid), оплачен, аннулирован (with «заменён счётом № …»
    once replaced). The table and its reasons: docs/ledger-rules.md. The invoice is never rewritten."""
    payments = _payments_now(org, [i for i in invoices if i.kind == Invoice.Kind.PAYMENT])
    debts = _debts_now(org, [i for i in invoices if i.kind == Invoice.Kind.DEBT])
    replacements = {i.replaced_by_id for i in invoices if i.replaced_by_id}
    numbers = (
        dict(Invoice.objects.for_org(org).filter(pk__in=replacements).values_list("pk", "number"))
        if replacements
        else {}
    )
    for invoice in invoices:
        if invoice.kind == Invoice.Kind.PAYMENT:
            now = payments.get(invoice.payment_id, _GONE) if invoice.payment_id else _GONE
        else:
            now = debts.get(invoice.contract_id, _GONE)
        invoice.status, invoice.paid_part = _state(invoice, now)
        invoice.status_label = _label(invoice, numbers)
    return invoices


@dataclass(frozen=True)
class PaymentDue:
    """What is still to pay of one schedule line."""

    payment: ScheduledPayment
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal


def payment_due(org, payment_id: int) -> PaymentDue | None:
    line = ledger.payment_line(org, payment_id)
    if line is None or line.outstanding <= 0:
        return None
    return PaymentDue(payment=line, amount=line.outstanding, vat_rate=line.vat_rate, vat=line.outstanding_vat)


def debt_lines(org, contract: Contract) -> list[DebtLine]:
    """The contract's overdue debt, one line per VAT rate (VAT = Σ of its charges' VAT)."""
    return [line for line in ledger.contract_debt_lines(contract) if line.amount > 0]


def debt_items(org, contract: Contract) -> list[ledger.DebtItem]:
    """The contract's overdue debt as the debt invoice lists it: the schedule per VAT rate, each penalty
    and each adjustment on its own line with the books' basis."""
    return contract_debt_now(contract)[0]
