"""The row copies of the ledger. Every ledger write runs in one transaction and ends with
`ledger_recompute` of the contracts it touched, so the copies the lists read always equal `allocate()`."""

from __future__ import annotations

from django.utils import timezone

from kabinet.contracts import ledger
from kabinet.contracts.models import Adjustment, BooksDebt, Contract, PaymentReceived, Penalty, ScheduledPayment
from kabinet.contracts.services.bulk import bulk_write, db_date, kopecks
from kabinet.organizations.models import Organization


class LedgerError(Exception):
    """Bad input to a ledger write: `errors` maps a field (or a row index) to reasons."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def lock_contracts(contract_ids: list[int]) -> None:
    """Writes to one contract's ledger run one after another."""
    list(Contract.objects.select_for_update().filter(pk__in=contract_ids).values_list("pk", flat=True))


def _changed_copies(inputs: ledger.Inputs, debt: BooksDebt | None, changed: dict[type, list]) -> None:
    """Collect into `changed` the rows of one contract whose copies differ from `allocate()`'s outcome."""
    charges, credits = ledger.rule_inputs(inputs)
    for row in ledger.apply_outcome(inputs, ledger.allocate(charges, credits).charges):
        changed[type(row)].append(row)
    if debt is not None:
        check = ledger.books_check_of(inputs, debt)
        copies = (check.ledger_amount, check.ledger_penalty, check.ledger_advance, check.ledger_balance)
        if (debt.ledger_amount, debt.ledger_penalty, debt.ledger_advance, debt.ledger_balance) != copies:
            debt.ledger_amount, debt.ledger_penalty, debt.ledger_advance, debt.ledger_balance = copies
            changed[BooksDebt].append(debt)


def ledger_recompute(*, org_id: int, contract_ids: list[int]) -> None:
    """Write the allocation's outcome onto the rows of the contracts (paid amount, date, paid in full)."""
    if not contract_ids:
        return
    inputs = ledger.load(org_id, contract_ids)
    books = {b.contract_id: b for b in BooksDebt.objects.for_org_id(org_id).filter(contract_id__in=contract_ids)}
    changed: dict[type, list] = {ScheduledPayment: [], Penalty: [], Adjustment: [], BooksDebt: []}
    for contract_id, contract_inputs in inputs.items():
        _changed_copies(contract_inputs, books.get(contract_id), changed)
    bulk_write(
        ScheduledPayment,
        [("id", "bigint"), ("paid_amount", "bigint"), ("paid_date", "date"), ("is_paid", "boolean")],
        [(p.pk, kopecks(p.paid_amount), db_date(p.paid_date), p.is_paid) for p in changed[ScheduledPayment]],
    )
    for model in (Penalty, Adjustment):
        bulk_write(
            model,
            [("id", "bigint"), ("paid_amount", "bigint"), ("is_paid", "boolean")],
            [(p.pk, kopecks(p.paid_amount), p.is_paid) for p in changed[model]],
        )
    bulk_write(
        BooksDebt,
        [
            ("id", "bigint"),
            ("ledger_amount", "bigint"),
            ("ledger_penalty", "bigint"),
            ("ledger_advance", "bigint"),
            ("ledger_balance", "bigint"),
        ],
        [
            (
                d.pk,
                kopecks(d.ledger_amount),
                kopecks(d.ledger_penalty),
                kopecks(d.ledger_advance),
                kopecks(d.ledger_balance),
            )
            for d in changed[BooksDebt]
        ],
    )
    # The main page's overdue debt kept with the copies (ledger/summary.py).
    ledger.keep_debt_summary(org_id, contract_ids)


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


def recompute_changed_schedules(contracts: list[Contract]) -> None:
    """`ledger_recompute` of the contracts whose schedules changed, skipping those with nothing that pays:
    their copies are zero, as the schedule writer left them (their overdue debt is kept all the same)."""
    org_of = {c.pk: c.organization_id for c in contracts}
    paying = set(_contracts_with_credits(list(org_of)))
    by_org: dict[int, tuple[list[int], list[int]]] = {}
    for contract_id, org_id in org_of.items():
        recompute, skipped = by_org.setdefault(org_id, ([], []))
        (recompute if contract_id in paying else skipped).append(contract_id)
    # Organization by organization, in the order of their ids (the summary's lock, ledger/summary.py).
    for org_id, (recompute, skipped) in sorted(by_org.items()):
        if recompute:
            ledger_recompute(org_id=org_id, contract_ids=sorted(recompute))
        if skipped:
            ledger.keep_debt_summary(org_id, skipped)


def ledger_touched(contracts: dict[int, Contract]) -> None:
    """After a write to these contracts' ledgers: recompute their copies, mark the organizations' data fresh."""
    by_org: dict[int, list[int]] = {}
    for contract in contracts.values():
        by_org.setdefault(contract.organization_id, []).append(contract.pk)
    for org_id, ids in sorted(by_org.items()):
        ledger_recompute(org_id=org_id, contract_ids=ids)
    if by_org:
        Organization.objects.filter(pk__in=list(by_org)).update(data_as_of=timezone.now())
