"""Early buyout: the value the books quote for a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from kabinet.contracts.models import BuyoutValue, Contract
from kabinet.core.prepared import Prepared


@dataclass
class BuyoutQuote:
    day: date
    value_date: date
    amount: Decimal
    first: date
    last: date


def _values_query(org_id: int, contract_id: int) -> QuerySet:
    return (
        BuyoutValue.objects.for_org_id(org_id)
        .filter(contract_id=contract_id)
        .order_by("on_date")
        .values_list("on_date", "amount")
    )


# Compiled once per thread: the card asks on every visit, and building the query cost more than running it.
_VALUES = Prepared(_values_query)


def buyout_quote(contract: Contract, day: date) -> BuyoutQuote | None:
    """The latest value dated on or before `day`, or the first one when `day` precedes them all; None
    without data."""
    values = _VALUES.rows(org_id=contract.organization_id, contract_id=contract.pk)
    if not values:
        return None
    chosen = values[0]
    for value in values:
        if value[0] <= day:
            chosen = value
    return BuyoutQuote(day=day, value_date=chosen[0], amount=chosen[1], first=values[0][0], last=values[-1][0])
