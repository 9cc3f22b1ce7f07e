"""Carry the paid amounts of the previous releases into the ledger.

Releases before 0.4.0 (up to commit 37c8e7a) kept what a client paid on the schedule lines themselves
(`paid_amount`, a running total, `paid_date`, `is_paid`); 0002_ledger kept those columns as the
ledger's row copies but moved nothing into the ledger, so the first recompute of a contract wiped its
history. Here every line the previous release showed as (partly) paid becomes a payment received of
its paid amount, dated by its paid date (the due date when the books sent none), with an allocation to
that line of what the line could take, keyed by the line (`upgrade-line-<id>`) so that a second run
changes nothing, and marked «перенесено при обновлении» in its document field (data, shown as stored
in the reconciliation statement and the back office).

Only contracts whose copies still hold the previous release's figures are converted: no payment,
penalty or adjustment of the ledger and no ledger copy on a debt by the books. A contract that a
ledger release has already recomputed has lost those figures; it is reported (here and by
`manage.py check_upgrade`), never guessed.

The ledger's rule is frozen below for these contracts (lines only, one payment per line): explicit
allocations first, then what is left (the surplus of an overpaid line) to the oldest due lines, as
`kabinet.contracts.ledger.allocate` does; the copies are rewritten where the rule says otherwise (a
partly paid line has no paid date in the ledger; an overpaid line's surplus pays the next lines).
"""

import sys
from collections import defaultdict
from decimal import Decimal

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

KEY_PREFIX = "upgrade-line-"
NOTE = "перенесено при обновлении"
CHUNK = 500


def _cents(value):
    return int(round(value * 100))


def _allocate(lines, credits, on=None):
    """The ledger's rule for lines and payments only, in kopecks. `lines`: dicts with id, due_date,
    number, amount; `credits`: dicts with id, date, amount, explicit [(line id, amount)]. Returns
    {line id: (paid, paid_date)}; with `on`, only credits dated up to it count."""
    order = sorted(lines, key=lambda x: (x["due_date"], x["number"], x["id"]))
    paid = {x["id"]: 0 for x in order}
    paid_date = {x["id"]: None for x in order}
    amount = {x["id"]: x["amount"] for x in order}
    live = sorted((c for c in credits if on is None or c["date"] <= on), key=lambda c: (c["date"], c["id"]))

    def pay(credit, line_id, cents):
        paid[line_id] += cents
        if amount[line_id] - paid[line_id] <= 0:
            paid_date[line_id] = credit["date"]

    left = {}
    for credit in live:
        remaining = credit["amount"]
        for line_id, cents in credit["explicit"]:
            take = min(cents, max(amount[line_id] - paid[line_id], 0), remaining)
            if take > 0:
                pay(credit, line_id, take)
                remaining -= take
        left[credit["id"]] = remaining
    for credit in live:
        remaining = left[credit["id"]]
        for line in order:
            if remaining <= 0:
                break
            take = min(max(amount[line["id"]] - paid[line["id"]], 0), remaining)
            if take > 0:
                pay(credit, line["id"], take)
                remaining -= take
    return {line_id: (paid[line_id], paid_date[line_id]) for line_id in paid}


def _ledger_applied_at(connection):
    row = MigrationRecorder(connection).migration_qs.filter(app="contracts", name="0002_ledger").first()
    return row.applied if row else None


def forward(apps, schema_editor):
    db = schema_editor.connection.alias
    Line = apps.get_model("contracts", "ScheduledPayment")
    Payment = apps.get_model("contracts", "PaymentReceived")
    Allocation = apps.get_model("contracts", "Allocation")
    Penalty = apps.get_model("contracts", "Penalty")
    Adjustment = apps.get_model("contracts", "Adjustment")
    BooksDebt = apps.get_model("contracts", "BooksDebt")

    with_paid = sorted(
        set(Line.objects.using(db).filter(paid_amount__gt=0).values_list("contract_id", flat=True))
    )
    recomputed = set(Payment.objects.using(db).values_list("contract_id", flat=True))
    recomputed |= set(Penalty.objects.using(db).values_list("contract_id", flat=True))
    recomputed |= set(Adjustment.objects.using(db).values_list("contract_id", flat=True))
    recomputed |= set(
        BooksDebt.objects.using(db).filter(ledger_amount__isnull=False).values_list("contract_id", flat=True)
    )
    todo = [pk for pk in with_paid if pk not in recomputed]
    converted_lines = 0
    for start in range(0, len(todo), CHUNK):
        converted_lines += _convert(db, todo[start : start + CHUNK], Line, Payment, Allocation, BooksDebt)

    # A contract of the previous release that a ledger release recomputed before this migration ran.
    applied = _ledger_applied_at(schema_editor.connection)
    lost = []
    if applied is not None and recomputed:
        lost = sorted(
            set(
                Line.objects.using(db)
                .filter(contract_id__in=recomputed, created_at__lt=applied)
                .exclude(contract__payments_received__external_id__startswith=KEY_PREFIX)
                .values_list("contract_id", flat=True)
            )
        )
    if converted_lines:
        sys.stdout.write(f"\n  Paid amounts carried into the ledger: {converted_lines} lines of {len(todo)} contracts")
    if lost:
        sys.stderr.write(
            f"\n  WARNING: {len(lost)} contracts of the previous release were already recomputed by a ledger "
            "release before their paid amounts were carried over; they are left as they are. "
            "Run `manage.py check_upgrade` for the list and restore their payments from the books.\n"
        )


def _convert(db, contract_ids, Line, Payment, Allocation, BooksDebt):
    lines_of = defaultdict(list)
    for row in (
        Line.objects.using(db)
        .filter(contract_id__in=contract_ids)
        .values("id", "organization_id", "contract_id", "number", "due_date", "amount", "paid_amount", "paid_date", "is_paid")
    ):
        row["amount"], row["paid"] = _cents(row["amount"]), _cents(row["paid_amount"])
        lines_of[row["contract_id"]].append(row)
    keys = [f"{KEY_PREFIX}{x['id']}" for rows in lines_of.values() for x in rows if x["paid"] > 0]
    done = set(Payment.objects.using(db).filter(external_id__in=keys).values_list("external_id", flat=True))
    new_payments = []
    for rows in lines_of.values():
        for x in rows:
            key = f"{KEY_PREFIX}{x['id']}"
            if x["paid"] > 0 and key not in done:
                new_payments.append(
                    Payment(
                        organization_id=x["organization_id"],
                        contract_id=x["contract_id"],
                        external_id=key,
                        received_on=x["paid_date"] or x["due_date"],
                        amount=Decimal(x["paid"]) / 100,
                        document_number=NOTE,
                    )
                )
    Payment.objects.using(db).bulk_create(new_payments, batch_size=2000)
    payments = {
        p.external_id: p
        for p in Payment.objects.using(db).filter(contract_id__in=contract_ids, external_id__startswith=KEY_PREFIX)
    }
    have_allocation = set(
        Allocation.objects.using(db).filter(payment__in=list(payments.values())).values_list("payment_id", flat=True)
    )
    allocations = []
    credits_of = defaultdict(list)
    for rows in lines_of.values():
        for x in rows:
            payment = payments.get(f"{KEY_PREFIX}{x['id']}")
            if payment is None:
                continue
            share = min(x["paid"], x["amount"])
            if share > 0 and payment.pk not in have_allocation:
                allocations.append(
                    Allocation(
                        organization_id=x["organization_id"],
                        payment_id=payment.pk,
                        line_id=x["id"],
                        amount=Decimal(share) / 100,
                    )
                )
            credits_of[x["contract_id"]].append(
                {
                    "id": payment.pk,
                    "date": payment.received_on,
                    "amount": _cents(payment.amount),
                    "explicit": [(x["id"], share)] if share > 0 else [],
                }
            )
    Allocation.objects.using(db).bulk_create(allocations, batch_size=2000)

    changed = []
    for contract_id, rows in lines_of.items():
        outcome = _allocate(rows, credits_of[contract_id])
        for x in rows:
            paid, paid_date = outcome[x["id"]]
            is_paid = x["amount"] - paid <= 0
            if (x["paid"], x["paid_date"], x["is_paid"]) != (paid, paid_date, is_paid):
                changed.append(Line(pk=x["id"], paid_amount=Decimal(paid) / 100, paid_date=paid_date, is_paid=is_paid))
    Line.objects.using(db).bulk_update(changed, ["paid_amount", "paid_date", "is_paid"], batch_size=1000)

    # The ledger's figure on the books' date beside each debt by the books (no penalties here).
    books = list(BooksDebt.objects.using(db).filter(contract_id__in=list(lines_of)))
    for debt in books:
        rows = lines_of[debt.contract_id]
        outcome = _allocate(rows, credits_of[debt.contract_id], on=debt.as_of)
        overdue = sum(max(x["amount"] - outcome[x["id"]][0], 0) for x in rows if x["due_date"] < debt.as_of)
        debt.ledger_amount, debt.ledger_penalty = Decimal(overdue) / 100, Decimal(0)
    BooksDebt.objects.using(db).bulk_update(books, ["ledger_amount", "ledger_penalty"], batch_size=1000)
    return len(new_payments)


def backward(apps, schema_editor):
    """Put the carried payments back on their lines as the previous release kept them, then drop them."""
    db = schema_editor.connection.alias
    Line = apps.get_model("contracts", "ScheduledPayment")
    Payment = apps.get_model("contracts", "PaymentReceived")
    carried = list(Payment.objects.using(db).filter(external_id__startswith=KEY_PREFIX))
    contract_ids = {p.contract_id for p in carried}
    by_line = {int(p.external_id[len(KEY_PREFIX) :]): p for p in carried}
    lines = list(Line.objects.using(db).filter(contract_id__in=contract_ids))
    for line in lines:
        payment = by_line.get(line.pk)
        line.paid_amount = payment.amount if payment else 0
        line.paid_date = payment.received_on if payment else None
        line.is_paid = line.paid_amount >= line.amount
    Line.objects.using(db).bulk_update(lines, ["paid_amount", "paid_date", "is_paid"], batch_size=1000)
    Payment.objects.using(db).filter(pk__in=[p.pk for p in carried]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_item_search_indexes")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
