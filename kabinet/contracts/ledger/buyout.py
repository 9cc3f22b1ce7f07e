"""Early buyout: the value the books quote for a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kabinet.contracts.models import BuyoutValue, Contract


@dataclass
class BuyoutQuote:
    day: date
    value_date: date
    amount: Decimal
    first: date
    last: date


def buyout_quote(contract: Contract, day: date) -> BuyoutQuote | None:
    """The latest value dated on or before `day`, or the first one when `day` precedes them all; None
    without data."""
    values = list(
        BuyoutValue.objects.for_org_id(contract.organization_id).filter(contract=contract).order_by("on_date")
    )
    if not values:
        return None
    chosen = values[0]
    for value in values:
        if value.on_date <= day:
            chosen = value
    return BuyoutQuote(
        day=day, value_date=chosen.on_date, amount=chosen.amount, first=values[0].on_date, last=values[-1].on_date
    )
