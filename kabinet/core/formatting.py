"""The one place every format a person reads comes from (templates, exports, e-mails, the back office).

- dates `28.11.2026`, date and time `28.11.2026 14:05` (local time), never ISO;
- money `1 234 567,89 ₽`: a narrow no-break space between thousands, a comma, a no-break space before «₽»;
  a figure that is not known is «нет данных», never `0,00 ₽`;
- ИНН as digits only, `7801234564`; phones `+7 (900) 000-00-01` (`kabinet.core.phones.format_phone`);
- registration plates `А 123 ВС 77`.

Templates use the filters of `kabinet.core.templatetags.kabinet`, which call these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Expression, F, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone

NBSP = "\u00a0"
# A narrow no-break space groups thousands as Russian typography and the manual do.
THIN = "\u202f"


_CENT = Decimal("0.01")
# Python's grouped format (`1,234.50`) as the portal writes it: a thin space between groups, a decimal comma.
_GROUPED_TO_RUSSIAN = str.maketrans({",": THIN, ".": ","})


def format_money(value: Decimal | int | float | None, currency: str = "₽") -> str:
    """`99562.65` → `99 562,65 ₽` (two decimals, grouped thousands, comma decimal point)."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    text = f"{amount.copy_abs():,.2f}".translate(_GROUPED_TO_RUSSIAN)
    if amount < 0:
        text = "−" + text
    return f"{text}{NBSP}{currency}" if currency else text


def format_inn(inn: str | None) -> str:
    """ИНН as it is written in documents and copied into bank apps: digits only, no spaces."""
    if not inn:
        return ""
    return re.sub(r"\D", "", str(inn))


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    """`2026-11-28` → `28.11.2026`; a datetime shows its local date."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.strftime("%d.%m.%Y")


def format_datetime(value: dt.datetime | str | None) -> str:
    """Local date and time: `28.11.2026 14:05`."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d.%m.%Y %H:%M")
    return format_date(value)


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
    expression: Expression | F = F(field)
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
