"""Payments received from the books: recorded with the books' allocations, or reversed (сторно)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.models import ApiEvent
from kabinet.contracts.models import Allocation, Contract, PaymentReceived, Penalty, ScheduledPayment
from kabinet.contracts.services.ledger_writes import LedgerError, ledger_touched, lock_contracts
from kabinet.contracts.services.notices import client_events


@dataclass
class _Known:
    """What the rows of one call may refer to, read once: lines by (contract, number), penalties by
    (contract, external id), stored payments by (organization, external id)."""

    lines: dict[tuple[int, int], ScheduledPayment]
    penalties: dict[tuple[int, str | None], Penalty]
    payments: dict[tuple[int, str], PaymentReceived]

    @classmethod
    def read(cls, contract_ids: list[int], rows: list[dict]) -> _Known:
        return cls(
            lines={
                (line.contract_id, line.number): line
                for line in ScheduledPayment.objects.filter(contract_id__in=contract_ids).only(
                    "id", "contract_id", "number"
                )
            },
            penalties={
                (p.contract_id, p.external_id): p
                for p in Penalty.objects.filter(contract_id__in=contract_ids).only("id", "contract_id", "external_id")
            },
            payments={
                (p.organization_id, p.external_id): p
                for p in PaymentReceived.objects.filter(external_id__in=[r["external_id"] for r in rows])
            },
        )


def _allocation(split: dict, contract: Contract, known: _Known) -> Allocation | str:
    """One of the books' allocations of a payment, or why it cannot be."""
    org_id = contract.organization_id
    if split.get("number") is not None:
        line = known.lines.get((contract.pk, split["number"]))
        if line is None:
            return _("No payment No. %(n)s in the schedule of contract «%(c)s».") % {
                "n": split["number"],
                "c": contract.external_id,
            }
        return Allocation(organization_id=org_id, line=line, amount=split["amount"])
    penalty = known.penalties.get((contract.pk, split.get("penalty")))
    if penalty is None:
        return _("No penalty «%(p)s» under contract «%(c)s».") % {"p": split.get("penalty"), "c": contract.external_id}
    return Allocation(organization_id=org_id, penalty=penalty, amount=split["amount"])


def _payment(row: dict, known: _Known) -> tuple[PaymentReceived | None, list[Allocation], list[str]]:
    """The payment of one row (new or stored, with the row's values set) and its allocations, or the
    row's errors; no payment when the row cannot be one at all."""
    contract = row["contract"]
    payment = known.payments.get((contract.organization_id, row["external_id"]))
    if payment is not None and payment.contract_id != contract.pk:
        return None, [], [_("This payment is recorded under another contract.")]
    errors: list[str] = []
    targets: list[Allocation] = []
    for split in row.get("allocations") or []:
        found = _allocation(split, contract, known)
        if isinstance(found, str):
            errors.append(found)
        else:
            targets.append(found)
    if sum((t.amount for t in targets), Decimal("0")) > row["amount"]:
        errors.append(_("The allocations add up to more than the payment."))
    if payment is None:
        payment = PaymentReceived(
            organization_id=contract.organization_id, contract=contract, external_id=row["external_id"]
        )
    payment.received_on = row["received_on"]
    payment.amount = row["amount"]
    payment.document_number = row.get("document_number", "")
    return payment, targets, errors


def _splits(targets) -> list[tuple[int | None, int | None, Decimal]]:
    return sorted(((t.line_id, t.penalty_id, t.amount) for t in targets), key=repr)


def _unchanged(payments: list[tuple[PaymentReceived, list[Allocation]]]) -> set[int]:
    """The stored payments a call sends again as they are (date, amount, document and allocations): a
    no-op, counted as `unchanged` and not written. One query."""
    stored = {
        p.pk: p
        for p in PaymentReceived.objects.filter(pk__in=[p.pk for p, _t in payments if p.pk]).prefetch_related(
            "allocations"
        )
    }
    same = set()
    for payment, targets in payments:
        old = stored.get(payment.pk)
        if old is None:
            continue
        if (old.received_on, old.amount, old.document_number) != (
            payment.received_on,
            payment.amount,
            payment.document_number,
        ):
            continue
        if _splits(old.allocations.all()) == _splits(targets):
            same.add(payment.pk)
    return same


def _payments_save(payments: list[tuple[PaymentReceived, list[Allocation]]]) -> None:
    """In bulk: thousands of payments a call cost a constant number of queries. A stored payment's
    allocations are replaced by the call's."""
    old = [p for p, _targets in payments if p.pk]
    for payment in old:
        payment.updated_at = timezone.now()
    PaymentReceived.objects.bulk_update(
        old, ["received_on", "amount", "document_number", "updated_at"], batch_size=1000
    )
    Allocation.objects.filter(payment__in=[p.pk for p in old]).delete()
    PaymentReceived.objects.bulk_create([p for p, _targets in payments if not p.pk], batch_size=2000)
    splits = []
    for payment, targets in payments:
        for target in targets:
            target.payment = payment
            splits.append(target)
    Allocation.objects.bulk_create(splits, batch_size=2000)


def payments_record(*, rows: list[dict]) -> dict:
    """Payments received (upserted by external id within the contract's organization) with optional
    allocations to lines (by number) or penalties (by external id), all or nothing.

    A row: {external_id, contract (Contract), received_on, amount, document_number, allocations:
    [{"number": n, "amount": a} | {"penalty": external_id, "amount": a}]}.

    The answer counts what happened: `created`, `updated` (a stored payment whose values changed) and
    `unchanged` (sent again as stored: nothing written). A re-sent payment keeps its reversal, whatever
    the row says: undoing a reversal is `payment_unreverse`, its own call.
    """
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        contracts = {r["contract"].pk: r["contract"] for r in rows}
        lock_contracts(list(contracts))
        known = _Known.read(list(contracts), rows)
        seen: set[tuple[int, str]] = set()
        payments: list[tuple[PaymentReceived, list[Allocation]]] = []
        for index, row in enumerate(rows):
            key = (row["contract"].organization_id, row["external_id"])
            if key in seen:
                errors.setdefault(str(index), []).append(_("The payment's external id repeats in the call."))
                continue
            seen.add(key)
            payment, targets, problems = _payment(row, known)
            if problems:
                errors.setdefault(str(index), []).extend(problems)
            if payment is not None:
                payments.append((payment, targets))
        if errors:
            raise LedgerError({"payments": errors})
        created = sum(1 for payment, _targets in payments if not payment.pk)
        same = _unchanged(payments)
        changed = [(p, t) for p, t in payments if p.pk not in same]
        _payments_save(changed)
        client_events(
            ApiEvent.Kind.PAYMENT_RECEIVED,
            [
                (
                    contracts[p.contract_id],
                    {
                        "payment_id": p.pk,
                        "received_on": p.received_on.isoformat(),
                        "amount": str(p.amount),
                        "document_number": p.document_number,
                    },
                )
                for p, _t in changed
            ],
        )
        touched = {p.contract_id for p, _t in changed}
        if touched:
            ledger_touched({pk: c for pk, c in contracts.items() if pk in touched})
    return {"created": created, "updated": len(changed) - created, "unchanged": len(same)}


def payment_reverse(*, org_id: int, external_id: str, reversed_on, document_number: str = "") -> PaymentReceived:
    """Reverse (сторно) a payment received: it stops paying anything from `reversed_on` on."""
    with transaction.atomic():
        payment = (
            PaymentReceived.objects.select_for_update().filter(organization_id=org_id, external_id=external_id).first()
        )
        if payment is None:
            raise LedgerError({"external_id": [_("No such payment.")]})
        if reversed_on < payment.received_on:
            raise LedgerError({"reversed_on": [_("A payment cannot be reversed before it was received.")]})
        payment.reversed_on, payment.reversal_document = reversed_on, document_number
        payment.save(update_fields=["reversed_on", "reversal_document", "updated_at"])
        ledger_touched({payment.contract_id: payment.contract})
    return payment


def payment_unreverse(*, org_id: int, external_id: str) -> tuple[PaymentReceived, bool]:
    """Undo a payment's reversal (the books cancelled the сторно): it pays again from its date on.
    Returns the payment and whether anything changed (a payment not reversed is left as it is)."""
    with transaction.atomic():
        payment = (
            PaymentReceived.objects.select_for_update().filter(organization_id=org_id, external_id=external_id).first()
        )
        if payment is None:
            raise LedgerError({"external_id": [_("No such payment.")]})
        if payment.reversed_on is None:
            return payment, False
        payment.reversed_on, payment.reversal_document = None, ""
        payment.save(update_fields=["reversed_on", "reversal_document", "updated_at"])
        ledger_touched({payment.contract_id: payment.contract})
    return payment, True
