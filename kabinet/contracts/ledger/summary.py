"""The main page's overdue debt kept per organization (`DebtRow` per contract in debt, `DebtTotal` for the
whole organization and each creditor section), so the page reads a total, a count and ten rows whatever
the client's size.

Kept in the transaction of every ledger write (`services.ledger_recompute` calls `keep`): the contracts
written are computed again from the ledger (`debt.computed_debts`), their rows replaced and the totals
summed again from the rows (in SQL, one grouped query). A contract's debt also changes without a write:
its lines turn overdue at midnight, and the books' figure rolls forward (docs/ledger-rules.md B2). So the
summary holds for the day it was made (`as_of`): the first ledger write of a day rebuilds the whole
organization's (`rebuild`), the nightly job (`rebuild_all`, `web.jobs`) rebuilds every organization's
just after midnight, and until then a page computes the figure from the ledger as before
(`debt.org_debt` reads the summary only when it is of today).

Why a daily rebuild rather than a summary by due date: a contract's debt is not a sum of its lines'
amounts by date — the books' roll-forward (B2) subtracts payments only while there is a debt, a contract
is listed only above 0,00, and both change with the day — so a per-date summary would need a row per
contract and date its figure changes, which is every date a line of it falls due (at tier M a line of
the largest organization falls due on almost every day). The rebuild is the full computation the page
used to make on every request, once a day per organization.

A contract moved to another creditor's product (`services.contract_put`) is kept again too.

Writes to one organization's summary run one after another: `keep` locks the organization's row of
`DebtTotal` first (the ledger writes of two contracts of one organization wait for each other here), and
a write touching several organizations keeps them in the order of their ids (no two writes wait for
each other in a circle).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from kabinet.contracts.ledger.debt import Computed, computed_debts
from kabinet.contracts.models import Contract, DebtRow, DebtTotal
from kabinet.core.money import MoneyField
from kabinet.organizations.models import Organization


def _lines_json(computed: Computed) -> list[list]:
    return [
        [str(line.rate) if line.rate is not None else None, str(line.amount), str(line.vat), line.is_penalty]
        for line in computed.lines
    ]


def _write_rows(org_id: int, today: date, debts: dict[int, Computed]) -> None:
    creditor_of = dict(
        Contract.objects.for_org_id(org_id).filter(pk__in=list(debts)).values_list("pk", "product__creditor_id")
    )
    DebtRow.objects.bulk_create(
        [
            DebtRow(
                organization_id=org_id,
                contract_id=pk,
                creditor_id=creditor_of[pk],
                as_of=today,
                amount=computed.amount,
                lines=_lines_json(computed),
            )
            for pk, computed in debts.items()
            if pk in creditor_of
        ]
    )


def _write_totals(org_id: int, today: date) -> None:
    """The totals summed again from the rows: the whole organization's row (kept, it is the lock) and one
    row per creditor section with debt."""
    sections = list(
        DebtRow.objects.for_org_id(org_id)
        .order_by()
        .values("creditor_id")
        .annotate(total=Sum("amount", output_field=MoneyField()), count=Count("pk"))
        .values_list("creditor_id", "total", "count")
    )
    total = sum((amount for _creditor, amount, _count in sections), 0)
    count = sum(n for _creditor, _amount, n in sections)
    DebtTotal.objects.for_org_id(org_id).filter(creditor__isnull=True).update(as_of=today, total=total, count=count)
    DebtTotal.objects.for_org_id(org_id).filter(creditor__isnull=False).delete()
    DebtTotal.objects.bulk_create(
        [
            DebtTotal(organization_id=org_id, creditor_id=creditor_id, as_of=today, total=amount, count=n)
            for creditor_id, amount, n in sections
        ]
    )


def _lock(org_id: int) -> DebtTotal:
    """The organization's row of `DebtTotal`, locked (made first, empty and of no day, when missing)."""
    rows = DebtTotal.objects.for_org_id(org_id).filter(creditor__isnull=True).select_for_update()
    found = rows.first()
    if found is None:
        DebtTotal.objects.bulk_create(
            [DebtTotal(organization_id=org_id, creditor=None, as_of=date.min, total=0, count=0)],
            ignore_conflicts=True,
        )
        found = rows.get()
    return found


def rebuild(org_id: int, *, today: date | None = None) -> None:
    """The whole organization's summary computed again from the ledger (in the caller's transaction, or
    one of its own)."""
    today = today or timezone.localdate()
    with transaction.atomic(savepoint=False):
        _lock(org_id)
        DebtRow.objects.for_org_id(org_id).delete()
        _write_rows(org_id, today, computed_debts(org_id, today=today))
        _write_totals(org_id, today)


def keep(org_id: int, contract_ids: list[int], *, today: date | None = None) -> None:
    """After a ledger write to these contracts (in its transaction): their rows and the totals again, or
    the whole organization's summary when it is not of today."""
    if not contract_ids:
        return
    today = today or timezone.localdate()
    with transaction.atomic(savepoint=False):
        if _lock(org_id).as_of != today:
            rebuild(org_id, today=today)
            return
        DebtRow.objects.for_org_id(org_id).filter(contract_id__in=contract_ids).delete()
        _write_rows(org_id, today, computed_debts(org_id, today=today, contract_ids=contract_ids))
        _write_totals(org_id, today)


def rebuild_all(*, today: date | None = None) -> int:
    """The nightly job: every organization's summary of today, one transaction per organization.
    Returns how many were rebuilt."""
    today = today or timezone.localdate()
    done = 0
    for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        rebuild(org_id, today=today)  # its own transaction
        done += 1
    return done
