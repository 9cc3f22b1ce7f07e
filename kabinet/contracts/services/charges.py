"""Penalties and adjustments by external id, the books' own debt figure, and the early buyout values."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.contracts.models import Adjustment, BooksDebt, BuyoutValue, Contract, Penalty, ScheduledPayment
from kabinet.contracts.services.ledger_writes import LedgerError, ledger_recompute, ledger_touched


def _charge_upsert(model, row: dict, stored, *, elsewhere: str, fill) -> tuple[str, str | None]:
    """One row of `_charges_upsert`: what was done ("created", "updated", "written_off", "removed",
    "unchanged", "" for nothing) and the row's error, if any."""
    contract = row["contract"]
    if stored is not None and stored.contract_id != contract.pk:
        return "", elsewhere
    if model is Penalty:
        return _penalty_upsert(row, stored, fill)
    return _adjustment_upsert(row, stored, fill)


def _adjustment_upsert(row: dict, stored: Adjustment | None, fill) -> tuple[str, str | None]:
    """An adjustment is never deleted: amount 0 (or a `removed_on`) removes it on the books' date, else
    today — a dated reversal entry; the adjustment's own entry stays (docs/ledger-rules.md, «Акт сверки»)."""
    remove = row["amount"] == 0 or row.get("removed_on") is not None
    if stored is not None and stored.removed_on is not None:
        if remove and row["amount"] == 0:
            return "unchanged", None  # removed already: the first date stays
        return "", _("This adjustment was removed on %(day)s: the books send a new adjustment under a new id.") % {
            "day": stored.removed_on.strftime("%d.%m.%Y")
        }
    if stored is None and row["amount"] == 0:
        return "", None  # nothing to remove
    contract = row["contract"]
    adjustment = stored or Adjustment(
        organization_id=contract.organization_id, contract=contract, external_id=row["external_id"]
    )
    if row["amount"] != 0:
        fill(adjustment, row)
        adjustment.amount = row["amount"]
    if remove:
        adjustment.removed_on = row.get("removed_on") or timezone.localdate()
        if adjustment.removed_on < adjustment.date:
            return "", _("An adjustment cannot be removed before its date (%(day)s).") % {
                "day": adjustment.date.strftime("%d.%m.%Y")
            }
    adjustment.save()
    if remove:
        return "removed", None
    return ("updated" if stored is not None else "created"), None


def _penalty_upsert(row: dict, stored: Penalty | None, fill) -> tuple[str, str | None]:
    """A penalty is never deleted: amount 0 (or a `written_off_on`) writes it off on the books' date, else
    today — a dated credit entry; the penalty's own entry stays (docs/ledger-rules.md, «Акт сверки»)."""
    write_off = row["amount"] == 0 or row.get("written_off_on") is not None
    if stored is not None and stored.written_off_on is not None:
        if write_off and row["amount"] == 0:
            return "unchanged", None  # written off already: the first date stays
        return "", _("This penalty was written off on %(day)s: the books charge a new penalty under a new id.") % {
            "day": stored.written_off_on.strftime("%d.%m.%Y")
        }
    if stored is None and row["amount"] == 0:
        return "", None  # nothing to write off
    penalty = stored or Penalty(
        organization_id=row["contract"].organization_id, contract=row["contract"], external_id=row["external_id"]
    )
    if row["amount"] > 0:
        problem = fill(penalty, row)
        if problem:
            return "", problem
        penalty.amount = row["amount"]
    if write_off:
        penalty.written_off_on = row.get("written_off_on") or timezone.localdate()
        if penalty.written_off_on < penalty.accrued_on:
            return "", _("A penalty cannot be written off before it was accrued (%(day)s).") % {
                "day": penalty.accrued_on.strftime("%d.%m.%Y")
            }
    penalty.save()
    if write_off:
        return "written_off", None
    return ("updated" if stored is not None else "created"), None


def _charges_upsert(model, rows: list[dict], *, key: str, elsewhere: str, fill) -> dict:
    """Penalties or adjustments by external id, all or nothing: an amount of 0 writes the row off (a
    penalty) or removes it (an adjustment) as a dated entry, never a deletion; a row
    recorded under another contract is refused, `fill(obj, row)` sets the kind's own fields (or returns
    the row's error). Errors are reported by row index under `key`."""
    # "deleted" stays in the answer for the previous clients: nothing is deleted any more.
    done = {"created": 0, "updated": 0, "deleted": 0}
    done |= {"written_off": 0, "unchanged": 0} if model is Penalty else {"removed": 0, "unchanged": 0}
    with transaction.atomic():
        contracts = {r["contract"].pk: r["contract"] for r in rows}
        existing = {
            (obj.organization_id, obj.external_id): obj
            for obj in model.objects.filter(external_id__in=[r["external_id"] for r in rows])
        }
        errors: dict[str, list[str]] = {}
        for index, row in enumerate(rows):
            stored = existing.get((row["contract"].organization_id, row["external_id"]))
            action, problem = _charge_upsert(model, row, stored, elsewhere=elsewhere, fill=fill)
            if problem:
                errors.setdefault(str(index), []).append(problem)
            elif action:
                done[action] += 1
        if errors:
            raise LedgerError({key: errors})
        ledger_touched(contracts)
    return done


def penalties_upsert(*, rows: list[dict]) -> dict:
    """Penalties by external id: {external_id, contract, accrued_on, amount, basis, number (line, optional),
    written_off_on (optional)}. An amount of 0 writes the penalty off (a dated entry, never a deletion)."""
    with transaction.atomic():  # the schedule lines are read in the same transaction as the writes
        lines = {
            (line.contract_id, line.number): line.pk
            for line in ScheduledPayment.objects.filter(contract_id__in=list({r["contract"].pk for r in rows})).only(
                "id", "contract_id", "number"
            )
        }

        def fill(penalty: Penalty, row: dict) -> str | None:
            contract, number = row["contract"], row.get("number")
            if number is not None and (contract.pk, number) not in lines:
                return _("No payment No. %(n)s in the schedule of contract «%(c)s».") % {
                    "n": number,
                    "c": contract.external_id,
                }
            penalty.accrued_on = row["accrued_on"]
            penalty.basis = row.get("basis", "")
            penalty.line_id = lines.get((contract.pk, number)) if number is not None else None
            return None

        return _charges_upsert(
            Penalty, rows, key="penalties", elsewhere=_("This penalty is recorded under another contract."), fill=fill
        )


def adjustments_upsert(*, rows: list[dict]) -> dict:
    """Adjustments by external id: {external_id, contract, date, amount (signed), vat_rate, reason,
    document_number, removed_on (optional)}. An amount of 0 removes it (a dated entry, never a deletion)."""

    def fill(adjustment: Adjustment, row: dict) -> None:
        adjustment.date = row["date"]
        adjustment.vat_rate = row.get("vat_rate")
        adjustment.reason = row.get("reason", "")
        adjustment.document_number = row.get("document_number", "")

    return _charges_upsert(
        Adjustment,
        rows,
        key="adjustments",
        elsewhere=_("This adjustment is recorded under another contract."),
        fill=fill,
    )


def books_debt_put(
    *, contract: Contract, amount: Decimal, penalty: Decimal, as_of, lines: list[dict] | None = None
) -> BooksDebt:
    """The books' own overdue figure for a contract on a date, rolled forward to today as the contract's
    debt (docs/ledger-rules.md, B1–B7); `lines` are the same amount per VAT rate (without them the amount
    is read at the rate of B4 when it is used)."""
    stored = [
        {"rate": str(line["vat_rate"]) if line["vat_rate"] is not None else None, "amount": str(line["amount"])}
        for line in lines or []
    ]
    with transaction.atomic():
        debt, _created = BooksDebt.objects.update_or_create(
            organization_id=contract.organization_id,
            contract=contract,
            defaults={"amount": amount, "penalty": penalty, "as_of": as_of, "lines": stored},
        )
        ledger_recompute(org_id=contract.organization_id, contract_ids=[contract.pk])
        debt.refresh_from_db(fields=["ledger_amount", "ledger_penalty", "ledger_advance", "ledger_balance"])
    return debt


def buyout_replace(*, contract: Contract, values: list[dict]) -> int:
    """The early buyout value schedule of a contract (by date), replaced as a whole."""
    with transaction.atomic():
        BuyoutValue.objects.filter(contract=contract).delete()
        BuyoutValue.objects.bulk_create(
            BuyoutValue(
                organization_id=contract.organization_id, contract=contract, on_date=v["date"], amount=v["amount"]
            )
            for v in values
        )
    return len(values)
