"""Money, INN and plate formatting shared by templates and exports."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
# A narrow no-break space groups thousands as Russian typography and the manual do.
THIN = "\u202f"


def format_money(value: Decimal | int | float | None, currency: str = "₽") -> str:
    """`99562.65` → `99 562,65 ₽` (two decimals, grouped thousands, comma decimal point)."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{THIN.join(groups)},{frac}"
    return f"{text}{NBSP}{currency}" if currency else text


def format_inn(inn: str | None) -> str:
    """Readable INN: `582 876 879 881` (12 digits), `780 123 4564` (10 digits)."""
    if not inn:
        return ""
    if len(inn) == 10:
        return f"{inn[:3]} {inn[3:6]} {inn[6:]}"
    return " ".join(inn[i : i + 3] for i in range(0, len(inn), 3))


# Russian plates use only the twelve Cyrillic letters that have Latin look-alikes.
_CYR_TO_LAT = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_NOT_ALNUM = re.compile(r"[^0-9A-ZА-ЯЁ]")


def plate_key(value: str | None) -> str:
    """The search key of a registration plate: upper case, no spaces, Cyrillic look-alikes as Latin.

    `а123вс 77`, `A123BC77` and `А 123 ВС 77` all give `A123BC77`.
    """
    if not value:
        return ""
    return _NOT_ALNUM.sub("", value.upper()).translate(_CYR_TO_LAT)


def plate_key_expression(field: str):
    """The database expression equal to `plate_key(field)` on SQLite and PostgreSQL alike.

    SQLite's UPPER() only knows ASCII, so both cases of each Cyrillic letter are replaced first.
    """
    from django.db.models import F, Value
    from django.db.models.functions import Replace, Upper

    expression = F(field)
    for ch in (" ", "-", "."):
        expression = Replace(expression, Value(ch), Value(""))
    for cyr, lat in zip("АВЕКМНОРСТУХ", "ABEKMHOPCTYX"):
        expression = Replace(expression, Value(cyr), Value(lat))
        expression = Replace(expression, Value(cyr.lower()), Value(lat))
    return Upper(expression)


def format_plate(value: str | None) -> str:
    """`А123ВС77` → `А 123 ВС 77` (the way it is written on the plate)."""
    if not value:
        return ""
    m = re.fullmatch(r"([А-ЯA-Z])(\d{3})([А-ЯA-Z]{2})(\d{2,3})", value.replace(" ", "").upper())
    if not m:
        return value
    return f"{m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)}"
