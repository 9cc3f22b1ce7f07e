"""Early buyout for a date the client picks: the books' value that applies to it, or a sentence saying why
the date cannot be quoted (the card and the request share the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from kabinet.contracts import ledger
from kabinet.contracts.models import Contract
from kabinet.core.formatting import format_date


@dataclass
class BuyoutAnswer:
    day: date
    quote: ledger.BuyoutQuote | None  # None when the books sent no values, or the date is refused
    error: str = ""


def buyout_for(contract: Contract, raw: str | None, today: date) -> BuyoutAnswer | None:
    """The quote for the date in `raw` (today when empty); None when the books sent no buyout values.
    A date before today, after the books' last value or after the contract's end is refused, the same
    whether it came from the date field or was typed into the address."""
    error = ""
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        day, error = today, _("Enter the buyout date as dd.mm.yyyy.")
    quote = ledger.buyout_quote(contract, day)
    if quote is None:
        return None
    if error:
        pass
    elif day < today:
        error = _("The buyout date cannot be in the past: choose %(today)s or later.") % {"today": format_date(today)}
    elif contract.end_date and day > contract.end_date:
        error = _("The contract ends on %(end)s: a buyout date after it cannot be quoted.") % {
            "end": format_date(contract.end_date)
        }
    elif day > quote.last:
        error = _("The books give buyout values up to %(last)s: for a later date ask the lessor through a request.") % {
            "last": format_date(quote.last)
        }
    return BuyoutAnswer(day=day, quote=None if error else quote, error=error)
