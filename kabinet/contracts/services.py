"""Writes about contracts that clients are told of."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record
from kabinet.contracts import ledger
from kabinet.contracts.ledger import lines_due_on
from kabinet.contracts.models import (
    Adjustment,
    Allocation,
    BooksDebt,
    BuyoutValue,
    CalendarFeed,
    Contract,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.core.formatting import format_date, format_money
from kabinet.core.money import vat_included
from kabinet.core.net import Origin
from kabinet.notifications.models import Notification
from kabinet.notifications.services import notify_members
from kabinet.organizations.models import Organization


def contract_status_changed(*, contract: Contract, actor=None, origin: Origin | None = None) -> None:
    with transaction.atomic():
        audit_record(
            action="contract_status_changed",
            organization=contract.organization,
            actor=actor,
            actor_kind="staff",
            obj=contract,
            after={"status": contract.status},
            origin=origin,
        )
        notify_members(
            org=contract.organization,
            kind=Notification.Kind.CONTRACT_STATUS,
            title=_("Contract %(number)s: %(status)s")
            % {"number": contract.number, "status": contract.get_status_display()},
            link=f"/contracts/{contract.pk}/",
        )


def schedule_updated(*, contract: Contract) -> None:
    notify_members(
        org=contract.organization,
        kind=Notification.Kind.SCHEDULE_UPDATED,
        title=_("The payment schedule under contract %(number)s is updated") % {"number": contract.number},
        link=f"/contracts/{contract.pk}/",
    )


def schedules_updated(*, contracts: list[Contract]) -> None:
    """One notification for the schedules of several contracts of one organization."""
    numbers = ", ".join(c.number for c in contracts[:10]) + ("…" if len(contracts) > 10 else "")
    notify_members(
        org=contracts[0].organization,
        kind=Notification.Kind.SCHEDULE_UPDATED,
        title=_("Payment schedules updated: %(count)d contracts") % {"count": len(contracts)},
        body=numbers,
        link="/contracts/",
    )


def payments_due_notify(*, days: int = 3, today=None) -> int:
    """Tell each organization about its payments due in `days` days (run daily: `manage.py notify_payments_due`)."""
    today = today or timezone.localdate()
    due = today + timedelta(days=days)

    payments = lines_due_on(due)
    by_org: dict[int, list[ScheduledPayment]] = {}
    for payment in payments:
        by_org.setdefault(payment.organization_id, []).append(payment)
    orgs = Organization.objects.in_bulk(list(by_org))
    with transaction.atomic():
        for org_id, rows in by_org.items():
            # One notification per payment, opening the contract it is about, with its amount.
            for payment in rows:
                notify_members(
                    org=orgs[org_id],
                    kind=Notification.Kind.PAYMENT_DUE,
                    title=_("Payment under contract %(number)s due %(date)s: %(amount)s")
                    % {
                        "number": payment.contract.number,
                        "date": format_date(due),
                        "amount": format_money(payment.outstanding),
                    },
                    body=_("The invoice is on the contract's card, in the payment schedule."),
                    link=f"/contracts/{payment.contract_id}/",
                )
    return len(by_org)


# ---------------------------------------------------------------------------------------------
# The ledger's writes. Every one runs in one transaction and ends with `ledger_recompute` of the
# contracts it touched, so the row copies the lists read always equal `ledger.allocate`.


def ledger_recompute(*, org_id: int, contract_ids: list[int]) -> None:
    """Write the allocation's outcome onto the rows of the contracts (paid amount, date, paid in full)."""
    if not contract_ids:
        return
    inputs = ledger.load(org_id, contract_ids)
    books = {b.contract_id: b for b in BooksDebt.objects.for_org_id(org_id).filter(contract_id__in=contract_ids)}
    changed: dict[type, list] = {ScheduledPayment: [], Penalty: [], Adjustment: [], BooksDebt: []}
    for contract_id, contract_inputs in inputs.items():
        charges, credits = ledger._rule_inputs(contract_inputs)
        state = {c.key: c for c in ledger.allocate(charges, credits).charges}
        for line in contract_inputs.lines:
            charge = state[(ledger.LINE, line.pk)]
            values = (charge.paid, charge.paid_date, charge.outstanding == 0)
            if (line.paid_amount, line.paid_date, line.is_paid) != values:
                line.paid_amount, line.paid_date, line.is_paid = values
                changed[ScheduledPayment].append(line)
        for penalty in contract_inputs.penalties:
            charge = state[(ledger.PENALTY, penalty.pk)]
            if (penalty.paid_amount, penalty.is_paid) != (charge.paid, charge.outstanding == 0):
                penalty.paid_amount, penalty.is_paid = charge.paid, charge.outstanding == 0
                changed[Penalty].append(penalty)
        for adjustment in contract_inputs.adjustments:
            found = state.get((ledger.ADJUSTMENT, adjustment.pk))
            paid_values = (found.paid, found.outstanding == 0) if found else (Decimal("0"), True)
            if (adjustment.paid_amount, adjustment.is_paid) != paid_values:
                adjustment.paid_amount, adjustment.is_paid = paid_values
                changed[Adjustment].append(adjustment)
        debt = books.get(contract_id)
        if debt is not None:
            check = ledger.books_check_of(contract_inputs, debt)
            if (debt.ledger_amount, debt.ledger_penalty) != (check.ledger_amount, check.ledger_penalty):
                debt.ledger_amount, debt.ledger_penalty = check.ledger_amount, check.ledger_penalty
                changed[BooksDebt].append(debt)
    bulk_write(
        ScheduledPayment,
        [("id", "bigint"), ("paid_amount", "bigint"), ("paid_date", "date"), ("is_paid", "boolean")],
        [(p.pk, _kopecks(p.paid_amount), _db_date(p.paid_date), p.is_paid) for p in changed[ScheduledPayment]],
    )
    for model in (Penalty, Adjustment):
        bulk_write(
            model,
            [("id", "bigint"), ("paid_amount", "bigint"), ("is_paid", "boolean")],
            [(p.pk, _kopecks(p.paid_amount), p.is_paid) for p in changed[model]],
        )
    bulk_write(
        BooksDebt,
        [("id", "bigint"), ("ledger_amount", "bigint"), ("ledger_penalty", "bigint")],
        [(d.pk, _kopecks(d.ledger_amount), _kopecks(d.ledger_penalty)) for d in changed[BooksDebt]],
    )


def _contracts_with_credits(contract_ids: list[int]) -> list[int]:
    """Of these contracts, those whose copies may be anything but zero: lines may be paid at all, or the
    books sent a debt figure (its ledger counterpart on the books' date changes with the schedule)."""
    with_payments = set(
        PaymentReceived.objects.filter(contract_id__in=contract_ids).values_list("contract_id", flat=True)
    )
    with_credits = set(
        Adjustment.objects.filter(contract_id__in=contract_ids, amount__lt=0).values_list("contract_id", flat=True)
    )
    with_books = set(BooksDebt.objects.filter(contract_id__in=contract_ids).values_list("contract_id", flat=True))
    return sorted(with_payments | with_credits | with_books)


def _recompute_many(contracts: list[Contract]) -> None:
    by_org: dict[int, list[int]] = {}
    for contract_id, org_id in _org_pairs(_contracts_with_credits([c.pk for c in contracts]), contracts):
        by_org.setdefault(org_id, []).append(contract_id)
    for org_id, ids in by_org.items():
        ledger_recompute(org_id=org_id, contract_ids=ids)


def _org_pairs(ids: list[int], contracts: list[Contract]):
    orgs = {c.pk: c.organization_id for c in contracts}
    return [(pk, orgs[pk]) for pk in ids]


def bulk_write(model, columns: list[tuple[str, str]], rows: list[tuple], *, insert: bool = False) -> None:
    """Write many rows in a few statements; values are database-ready (money in kopecks).

    `columns` are (column, PostgreSQL type); for an update the first column is the key (`id`).
    PostgreSQL: the rows are COPY'd into a temporary table, then one `INSERT … SELECT` or
    `UPDATE … FROM` it — four statements however many rows. (Django's CASE-based `bulk_update`
    measured 581 rows/s at 100,000 rows; a VALUES list of 14,000 placeholders spends its time in the
    driver's query parsing; one `unnest()` of an array per column measured half COPY's rate.) SQLite:
    `WITH v AS (VALUES …) UPDATE … FROM v` (or a multi-row INSERT) in batches under its parameter limit.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = [name for name, _ in columns]
    quoted = [connection.ops.quote_name(n) for n in names]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and insert:
            # New rows are COPY'd straight into the table: no staging copy and no `INSERT … SELECT`
            # (the insert pass measured ~20 % faster at 100,000 rows). A bad row fails the COPY, and
            # with it the caller's transaction, as the INSERT did.
            listed = ", ".join(quoted)
            with cursor.cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        if connection.vendor == "postgresql":
            # Names come from the model and the caller's column list; values travel by COPY.
            stage = connection.ops.quote_name(f"bulk_{model._meta.db_table}")
            definitions = ", ".join(f"{q} {kind}" for q, (_, kind) in zip(quoted, columns, strict=True))
            listed = ", ".join(quoted)
            with transaction.atomic(savepoint=False):
                cursor.execute(f"CREATE TEMPORARY TABLE {stage} ({definitions}) ON COMMIT DROP")
                with cursor.cursor.copy(f"COPY {stage} ({listed}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                if insert:
                    sql = f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {stage}"  # noqa: S608  # nosec B608 (quoted model identifiers; values are copied rows)
                else:
                    sets = ", ".join(f"{q} = v.{q}" for q in quoted[1:])
                    sql = f"UPDATE {table} SET {sets} FROM {stage} AS v WHERE {table}.{quoted[0]} = v.{quoted[0]}"  # noqa: S608  # nosec B608 (quoted model identifiers; values are copied rows)
                cursor.execute(sql)
                cursor.execute(f"DROP TABLE {stage}")
            return
        size = max(1, 30000 // len(columns))
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            params = [value for row in batch for value in row]
            if insert:
                sql = f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {values}"  # noqa: S608  # nosec B608 (quoted model identifiers; values are bound parameters)
            else:
                sets = ", ".join(f"{q} = v.{q}" for q in quoted[1:])
                sql = (
                    f"WITH v({', '.join(quoted)}) AS (VALUES {values}) "  # noqa: S608  # nosec B608 (quoted model identifiers; values are bound parameters)
                    f"UPDATE {table} SET {sets} FROM v WHERE {table}.{quoted[0]} = v.{quoted[0]}"
                )
            cursor.execute(sql, params)


def _kopecks(amount) -> int:
    return int(amount * 100)


LINE_UPDATE = [
    ("id", "bigint"),
    ("due_date", "date"),
    ("amount", "bigint"),
    ("vat_rate", "numeric"),
    ("vat_amount", "bigint"),
    ("is_paid", "boolean"),
    ("external_id", "varchar"),
    ("updated_at", "timestamptz"),
]
LINE_INSERT = [
    ("organization_id", "bigint"),
    ("contract_id", "bigint"),
    ("number", "integer"),
    ("external_id", "varchar"),
    ("due_date", "date"),
    ("amount", "bigint"),
    ("vat_rate", "numeric"),
    ("vat_amount", "bigint"),
    ("paid_amount", "bigint"),
    ("paid_date", "date"),
    ("is_paid", "boolean"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
]


def _db_time(value):
    """A datetime as the backend stores it (SQLite takes text through the raw cursor)."""
    return connection.ops.adapt_datetimefield_value(value) if connection.vendor != "postgresql" else value


def _db_date(value):
    return connection.ops.adapt_datefield_value(value) if connection.vendor != "postgresql" else value


def _db_decimal(value):
    return str(value) if connection.vendor != "postgresql" else value


def _db_adapters():
    """`_db_date` and `_db_decimal` for the connection of this call, chosen once for many rows."""
    if connection.vendor == "postgresql":
        return (lambda value: value), (lambda value: value)
    return connection.ops.adapt_datefield_value, str


def schedules_replace(items: list[tuple[Contract, list[dict]]]) -> dict:
    """Replace the schedules of several contracts in one transaction, in a bounded number of queries.

    A line is the contract's line with the same number: a changed one is updated in place (its id,
    ICS UID and invoice links stay), a missing one is deleted (it disappears from every page and file
    at once; an invoice issued for it keeps its own copy), a new one is inserted. Then the ledger of
    the contracts that have payments is recomputed. One notification per organization.
    """
    contract_ids = [c.pk for c, _ in items]
    totals = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    with transaction.atomic():
        list(Contract.objects.select_for_update().filter(pk__in=contract_ids).values_list("pk", flat=True))
        existing: dict[int, dict[int, tuple]] = {}
        for stored in ScheduledPayment.objects.filter(contract_id__in=contract_ids).values_list(
            "pk", "contract_id", "number", "due_date", "amount", "vat_rate", "external_id", "is_paid", "paid_amount"
        ):
            existing.setdefault(stored[1], {})[stored[2]] = stored
        changed: list[tuple] = []
        new: list[tuple] = []
        db_date, db_decimal = _db_adapters()
        removed: list[int] = []
        touched: dict[int, list[Contract]] = {}
        for contract, rows in items:
            current_rows = existing.get(contract.pk, {})
            before = (len(new), len(changed))
            for row in rows:
                vat = vat_included(row["amount"], row["vat_rate"])
                external_id = row.get("external_id") or None
                current = current_rows.pop(row["number"], None)
                if current is None:
                    # A row for `LINE_INSERT` straight away: a model instance per row was a third of an
                    # import's time (issue 12).
                    new.append(
                        (
                            contract.organization_id,
                            contract.pk,
                            row["number"],
                            external_id,
                            db_date(row["due_date"]),
                            _kopecks(row["amount"]),
                            db_decimal(row["vat_rate"]),
                            _kopecks(vat),
                            0,
                            None,
                            row["amount"] <= 0,
                        )
                    )
                elif (current[3], current[4], current[5], current[6]) != (
                    row["due_date"],
                    row["amount"],
                    row["vat_rate"],
                    external_id,
                ):
                    # The paid copy is fixed by the recompute below when the contract has payments.
                    is_paid = current[8] >= row["amount"]
                    changed.append(
                        (current[0], row["due_date"], row["amount"], row["vat_rate"], vat, is_paid, external_id)
                    )
                else:
                    totals["unchanged"] += 1
            gone = [r[0] for r in current_rows.values()]
            removed.extend(gone)
            if (len(new), len(changed)) != before or gone:
                touched.setdefault(contract.organization_id, []).append(contract)
        for start in range(0, len(removed), 5000):
            ScheduledPayment.objects.filter(pk__in=removed[start : start + 5000]).delete()
        now = _db_time(timezone.now())
        bulk_write(
            ScheduledPayment,
            LINE_UPDATE,
            [
                (pk, db_date(due), _kopecks(amount), db_decimal(rate), _kopecks(vat), is_paid, external_id, now)
                for pk, due, amount, rate, vat, is_paid, external_id in changed
            ],
        )
        bulk_write(ScheduledPayment, LINE_INSERT, [(*line, now, now) for line in new], insert=True)
        totals.update(created=len(new), updated=len(changed), deleted=len(removed))
        touched_contracts = [c for contracts in touched.values() for c in contracts]
        _recompute_many(touched_contracts)
        if touched:
            Organization.objects.filter(pk__in=list(touched)).update(data_as_of=timezone.now())
            for contracts in touched.values():
                if len(contracts) == 1:
                    schedule_updated(contract=contracts[0])
                else:
                    schedules_updated(contracts=contracts)
    return totals


class LedgerError(Exception):
    """Bad input to a ledger write: `errors` maps a field (or a row index) to reasons."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def _touch(contracts: dict[int, Contract]) -> None:
    by_org: dict[int, list[int]] = {}
    for contract in contracts.values():
        by_org.setdefault(contract.organization_id, []).append(contract.pk)
    for org_id, ids in by_org.items():
        ledger_recompute(org_id=org_id, contract_ids=ids)
    if by_org:
        Organization.objects.filter(pk__in=list(by_org)).update(data_as_of=timezone.now())


def payments_record(*, rows: list[dict]) -> dict:
    """Payments received (upserted by external id within the contract's organization) with optional
    allocations to lines (by number) or penalties (by external id), all or nothing.

    A row: {external_id, contract (Contract), received_on, amount, document_number, allocations:
    [{"number": n, "amount": a} | {"penalty": external_id, "amount": a}]}.
    """
    errors: dict[str, list[str]] = {}
    created = updated = 0
    with transaction.atomic():
        contracts = {r["contract"].pk: r["contract"] for r in rows}
        list(Contract.objects.select_for_update().filter(pk__in=list(contracts)).values_list("pk", flat=True))
        lines = {
            (line.contract_id, line.number): line
            for line in ScheduledPayment.objects.filter(contract_id__in=list(contracts)).only(
                "id", "contract_id", "number"
            )
        }
        penalties = {
            (p.contract_id, p.external_id): p
            for p in Penalty.objects.filter(contract_id__in=list(contracts)).only("id", "contract_id", "external_id")
        }
        existing = {
            (p.organization_id, p.external_id): p
            for p in PaymentReceived.objects.filter(external_id__in=[r["external_id"] for r in rows])
        }
        seen: set[tuple[int, str]] = set()
        allocations: list[tuple[PaymentReceived, list[Allocation]]] = []
        for index, row in enumerate(rows):
            contract = row["contract"]
            key = (contract.organization_id, row["external_id"])
            if key in seen:
                errors.setdefault(str(index), []).append(_("The payment's external id repeats in the call."))
                continue
            seen.add(key)
            payment = existing.get(key)
            if payment is not None and payment.contract_id != contract.pk:
                errors.setdefault(str(index), []).append(_("This payment is recorded under another contract."))
                continue
            targets: list[Allocation] = []
            total = Decimal("0")
            for split in row.get("allocations") or []:
                if split.get("number") is not None:
                    line = lines.get((contract.pk, split["number"]))
                    if line is None:
                        errors.setdefault(str(index), []).append(
                            _("No payment No. %(n)s in the schedule of contract «%(c)s».")
                            % {"n": split["number"], "c": contract.external_id}
                        )
                        continue
                    targets.append(
                        Allocation(organization_id=contract.organization_id, line=line, amount=split["amount"])
                    )
                else:
                    penalty = penalties.get((contract.pk, split.get("penalty")))
                    if penalty is None:
                        errors.setdefault(str(index), []).append(
                            _("No penalty «%(p)s» under contract «%(c)s».")
                            % {"p": split.get("penalty"), "c": contract.external_id}
                        )
                        continue
                    targets.append(
                        Allocation(organization_id=contract.organization_id, penalty=penalty, amount=split["amount"])
                    )
                total += split["amount"]
            if total > row["amount"]:
                errors.setdefault(str(index), []).append(_("The allocations add up to more than the payment."))
            if payment is None:
                payment = PaymentReceived(
                    organization_id=contract.organization_id, contract=contract, external_id=row["external_id"]
                )
                created += 1
            else:
                updated += 1
            payment.received_on = row["received_on"]
            payment.amount = row["amount"]
            payment.document_number = row.get("document_number", "")
            allocations.append((payment, targets))
        if errors:
            raise LedgerError({"payments": errors})
        # In bulk: thousands of payments a call cost a constant number of queries.
        old = [p for p, _ in allocations if p.pk]
        for payment in old:
            payment.updated_at = timezone.now()
        PaymentReceived.objects.bulk_update(
            old, ["received_on", "amount", "document_number", "updated_at"], batch_size=1000
        )
        Allocation.objects.filter(payment__in=[p.pk for p in old]).delete()
        PaymentReceived.objects.bulk_create([p for p, _ in allocations if not p.pk], batch_size=2000)
        splits = []
        for payment, targets in allocations:
            for target in targets:
                target.payment = payment
                splits.append(target)
        Allocation.objects.bulk_create(splits, batch_size=2000)
        _touch(contracts)
    return {"created": created, "updated": updated}


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
        _touch({payment.contract_id: payment.contract})
    return payment


def _charges_upsert(model, rows: list[dict], *, key: str, elsewhere: str, fill) -> dict:
    """Penalties or adjustments by external id, all or nothing: an amount of 0 removes the row, a row
    recorded under another contract is refused, `fill(obj, row)` sets the kind's own fields (or returns
    the row's error). Errors are reported by row index under `key`."""
    created = updated = deleted = 0
    with transaction.atomic():
        contracts = {r["contract"].pk: r["contract"] for r in rows}
        existing = {
            (obj.organization_id, obj.external_id): obj
            for obj in model.objects.filter(external_id__in=[r["external_id"] for r in rows])
        }
        errors: dict[str, list[str]] = {}
        for index, row in enumerate(rows):
            contract = row["contract"]
            obj = existing.get((contract.organization_id, row["external_id"]))
            if obj is not None and obj.contract_id != contract.pk:
                errors.setdefault(str(index), []).append(elsewhere)
                continue
            if row["amount"] == 0:
                if obj is not None:
                    obj.delete()
                    deleted += 1
                continue
            fresh = obj is None
            if fresh:
                obj = model(organization_id=contract.organization_id, contract=contract, external_id=row["external_id"])
            assert obj is not None
            problem = fill(obj, row)
            if problem:
                errors.setdefault(str(index), []).append(problem)
                continue
            obj.amount = row["amount"]
            obj.save()
            created, updated = (created + 1, updated) if fresh else (created, updated + 1)
        if errors:
            raise LedgerError({key: errors})
        _touch(contracts)
    return {"created": created, "updated": updated, "deleted": deleted}


def penalties_upsert(*, rows: list[dict]) -> dict:
    """Penalties by external id: {external_id, contract, accrued_on, amount, basis, number (line, optional)}.
    An amount of 0 removes the penalty (the books wrote it off)."""
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
    document_number}. An amount of 0 removes it."""

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


def books_debt_put(*, contract: Contract, amount: Decimal, penalty: Decimal, as_of) -> BooksDebt:
    """The books' own overdue figure for a contract (compared with the ledger's, never replacing it)."""
    with transaction.atomic():
        debt, _created = BooksDebt.objects.update_or_create(
            organization_id=contract.organization_id,
            contract=contract,
            defaults={"amount": amount, "penalty": penalty, "as_of": as_of},
        )
        ledger_recompute(org_id=contract.organization_id, contract_ids=[contract.pk])
        debt.refresh_from_db(fields=["ledger_amount", "ledger_penalty"])
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


# ---------------------------------------------------------------------------------------------
# The payment calendar subscription (kabinet.contracts.calendar): only the secret's hash is kept.


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_issue(*, user, org) -> str:
    """A new secret address; any earlier live subscription of the person to this organization ends."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user, organization=org, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarFeed.objects.create(user=user, organization=org, token_hash=calendar_token_hash(token))
    return token


def calendar_feed_revoke(*, user, org) -> int:
    return CalendarFeed.objects.filter(user=user, organization=org, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
