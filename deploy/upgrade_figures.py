"""Print, as JSON, every money figure a release shows: run by `deploy/upgradetest.py` inside a release's
checkout (its own code reads the database), before and after the upgrade.

Releases without the ledger (0.1.0): the card's `contract_summary`, the lines' paid amounts and
statuses, the payment invoice's amount (a line's outstanding), the main page's total (the debts by the
books). Releases with it: the same figures from `kabinet.contracts.ledger` (the card from the row
copies, checked against the ledger computed from the payments).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.utils import timezone

from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.organizations.models import Organization

try:
    from kabinet.contracts import ledger
except ImportError:  # the release before the ledger
    ledger = None  # type: ignore[assignment]


EVER = (date(2000, 1, 1), date(2100, 1, 1))


def money(value) -> str:
    return format(Decimal(value or 0), ".2f")


def main() -> None:
    today = timezone.localdate()
    out: dict = {"contracts": {}, "organizations": {}, "ledger": ledger is not None}
    for contract in Contract.objects.order_by("external_id", "pk"):
        key = contract.external_id or contract.number
        if ledger is not None:
            card = ledger.contract_card(contract, today=today)
            full = ledger.contract_ledger(contract, today=today)
            lines = [
                [x.number, money(x.amount), money(x.paid_amount), x.status, money(x.outstanding)] for x in card.lines
            ]
            computed = [
                [x.number, money(x.amount), money(x.paid_amount), x.status, money(x.outstanding)] for x in full.lines
            ]
            out["contracts"][key] = {
                "remaining": money(card.remaining),
                "overdue": money(card.overdue),
                "advance": money(card.unallocated),
                "lines": lines,
                "copies_equal_ledger": lines == computed
                and (card.remaining, card.overdue) == (full.remaining, full.overdue),
                "payments": len(full.payments),
                # The reconciliation statement (акт) over the whole contract: what is left to pay.
                "statement": money(
                    ledger.statement(contract.organization, start=EVER[0], end=EVER[1], contract=contract).closing
                ),
            }
        else:
            from kabinet.contracts.selectors import contract_summary

            summary = contract_summary(contract)
            rows = ScheduledPayment.objects.filter(contract=contract).order_by("due_date", "number")
            lines = [
                [
                    p.number,
                    money(p.amount),
                    money(p.paid_amount),
                    "paid" if p.is_paid else ("overdue" if p.due_date < today else "unpaid"),
                    money(p.outstanding),
                ]
                for p in rows
            ]
            out["contracts"][key] = {
                "remaining": money(summary["remaining"]),
                "overdue": money(summary["overdue"]),
                "advance": money(0),
                "lines": lines,
            }
    for org in Organization.objects.order_by("pk"):
        if ledger is not None:
            total = ledger.org_debt(org, today=today).total
        else:
            from kabinet.contracts.selectors import overdue_debt

            total = overdue_debt(org, None).total
        out["organizations"][org.inn or str(org.pk)] = {"debt_total": money(total)}
    # Issued invoices never change: number, total and VAT per rate as issued.
    from kabinet.invoices.models import Invoice

    out["invoices"] = [
        [i.number, money(i.amount), [[v["rate"], money(v["amount"])] for v in i.vat or []]]
        for i in Invoice.objects.order_by("number")
    ]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
