"""Replacing payment schedules from the books, many contracts at a time, in a bounded number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kabinet.audit.models import ApiEvent
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.contracts.services.bulk import bulk_write, db_adapters, db_time, kopecks
from kabinet.contracts.services.ledger_writes import lock_contracts, recompute_changed_schedules
from kabinet.contracts.services.notices import client_events, schedules_notify
from kabinet.core.money import vat_included
from kabinet.organizations.models import Organization

LINE_UPDATE = [
    ("id", "bigint"),
    ("due_date", "date"),
    ("amount", "bigint"),
    ("vat_rate", "numeric"),
    ("vat_amount", "bigint"),
    ("is_paid", "boolean"),
    ("external_id", "varchar"),
    ("document_kind", "varchar"),
    ("document_number", "varchar"),
    ("document_date", "date"),
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
    ("document_kind", "varchar"),
    ("document_number", "varchar"),
    ("document_date", "date"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
]
# What is read of each stored line (`_Plan.stored` rows are tuples in this order).
_STORED = (
    "pk",
    "contract_id",
    "number",
    "due_date",
    "amount",
    "vat_rate",
    "external_id",
    "is_paid",
    "paid_amount",
    "document_kind",
    "document_number",
    "document_date",
)


def _document(row: dict) -> tuple[str, str, object]:
    """The line's primary document as sent (kind, number, date); the акт prints a number without a kind
    as an УПД."""
    return row.get("document_kind") or "", row.get("document_number") or "", row.get("document_date")


@dataclass
class _Plan:
    """The writes a replacement makes, collected contract by contract, then made in a few statements."""

    stored: dict[int, dict[int, tuple]]  # contract id -> number -> the stored line (`_STORED`)
    new: list[tuple] = field(default_factory=list)  # database-ready rows for `LINE_INSERT` (but the times)
    changed: list[tuple] = field(default_factory=list)  # database-ready rows for `LINE_UPDATE` (but the time)
    # Lines whose money changed (not only their primary document): what the ledger and the client hear of.
    money_changed: int = 0
    removed: list[int] = field(default_factory=list)
    unchanged: int = 0
    touched: dict[int, list[Contract]] = field(default_factory=dict)  # organization id -> contracts changed

    def __post_init__(self):
        self.db_date, self.db_decimal = db_adapters()
        self._money: dict[tuple, tuple] = {}  # (amount, rate) -> the database's amount, rate and VAT

    def money(self, amount, rate) -> tuple:
        """(amount in kopecks, rate as the database takes it, VAT in kopecks): a schedule repeats a few
        amounts and rates, so each pair is computed once per call."""
        key = (amount, rate)
        found = self._money.get(key)
        if found is None:
            found = self._money[key] = (kopecks(amount), self.db_decimal(rate), kopecks(vat_included(amount, rate)))
        return found

    def add(self, contract: Contract, rows: list[dict]) -> None:
        """A line is the contract's stored line with the same number: changed, new, or gone if absent."""
        stored = self.stored.get(contract.pk, {})
        before = (len(self.new), self.money_changed)
        for row in rows:
            current = stored.pop(row["number"], None)
            if current is None:
                self._insert(contract, row)
            else:
                self._update(current, row)
        gone = [line[0] for line in stored.values()]
        self.removed.extend(gone)
        if (len(self.new), self.money_changed) != before or gone:
            self.touched.setdefault(contract.organization_id, []).append(contract)

    def _insert(self, contract: Contract, row: dict) -> None:
        # A row for `LINE_INSERT` straight away: a model instance per row was a third of an import's time.
        amount = row["amount"]
        cents, rate, vat = self.money(amount, row["vat_rate"])
        self.new.append(
            (
                contract.organization_id,
                contract.pk,
                row["number"],
                row.get("external_id") or None,
                self.db_date(row["due_date"]),
                cents,
                rate,
                vat,
                0,
                None,
                amount <= 0,
                *self._db_document(row),
            )
        )

    def _db_document(self, row: dict) -> tuple:
        return self._db_document_of(_document(row))

    def _db_document_of(self, document: tuple) -> tuple:
        kind, number, day = document
        return kind, number, self.db_date(day) if day else None

    def _update(self, current: tuple, row: dict) -> None:
        external_id = row.get("external_id") or None
        money = (current[3], current[4], current[5]) == (row["due_date"], row["amount"], row["vat_rate"])
        # A row without document fields (the bodies before them) keeps the stored document.
        document = _document(row) if _sends_document(row) else tuple(current[9:12])
        if money and current[6] == external_id and tuple(current[9:12]) == document:
            self.unchanged += 1
            return
        if not money:
            self.money_changed += 1
        # The paid copy is fixed by the recompute afterwards when the contract has payments.
        is_paid = current[8] >= row["amount"]
        cents, rate, vat = self.money(row["amount"], row["vat_rate"])
        self.changed.append(
            (
                current[0],
                self.db_date(row["due_date"]),
                cents,
                rate,
                vat,
                is_paid,
                external_id,
                *self._db_document_of(document),
            )
        )

    def write(self) -> None:
        for start in range(0, len(self.removed), 5000):
            ScheduledPayment.objects.filter(pk__in=self.removed[start : start + 5000]).delete()
        now = db_time(timezone.now())
        bulk_write(ScheduledPayment, LINE_UPDATE, [(*line, now) for line in self.changed])
        bulk_write(ScheduledPayment, LINE_INSERT, [(*line, now, now) for line in self.new], insert=True)

    def totals(self) -> dict:
        return {
            "created": len(self.new),
            "updated": len(self.changed),
            "deleted": len(self.removed),
            "unchanged": self.unchanged,
        }


def _sends_document(row: dict) -> bool:
    return any(row.get(name) for name in ("document_kind", "document_number", "document_date"))


def _stored_lines(contract_ids: list[int]) -> dict[int, dict[int, tuple]]:
    stored: dict[int, dict[int, tuple]] = {}
    for line in ScheduledPayment.objects.filter(contract_id__in=contract_ids).values_list(*_STORED):
        stored.setdefault(line[1], {})[line[2]] = line
    return stored


def schedules_replace(*, items: list[tuple[Contract, list[dict]]]) -> dict:
    """Replace the schedules of several contracts in one transaction, in a bounded number of queries.

    A line is the contract's line with the same number: a changed one is updated in place (its id,
    ICS UID and invoice links stay), a missing one is deleted (it disappears from every page and file
    at once; an invoice issued for it keeps its own copy), a new one is inserted. Then the ledger of
    the contracts that have payments is recomputed. One notification per organization.
    """
    contract_ids = [c.pk for c, _rows in items]
    with transaction.atomic():
        lock_contracts(contract_ids)
        plan = _Plan(stored=_stored_lines(contract_ids))
        for contract, rows in items:
            plan.add(contract, rows)
        plan.write()
        recompute_changed_schedules([c for contracts in plan.touched.values() for c in contracts])
        if plan.touched:
            Organization.objects.filter(pk__in=list(plan.touched)).update(data_as_of=timezone.now())
            for contracts in plan.touched.values():
                schedules_notify(contracts=contracts)
            client_events(
                ApiEvent.Kind.SCHEDULE_CHANGED,
                [(c, {}) for contracts in plan.touched.values() for c in contracts],
            )
    return plan.totals()
