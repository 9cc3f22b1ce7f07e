"""Money rules: Decimal only, kopecks rounded half-up, VAT included in the amount, totals in words."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from num2words import num2words

KOPECK = Decimal("0.01")


def to_kopecks(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP)


def vat_rate_on(day: date) -> Decimal:
    """The VAT rate in force on a day, from `settings.VAT_RATES` (newest first: (from_date, rate))."""
    for starts, rate in settings.VAT_RATES:
        if starts is None or day >= date.fromisoformat(starts):
            return Decimal(str(rate))
    raise ValueError(f"No VAT rate for {day}")


def vat_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside an amount that includes it: amount × rate / (100 + rate), to the kopeck."""
    return to_kopecks(Decimal(amount) * Decimal(rate) / (Decimal("100") + Decimal(rate)))


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def amount_in_words(amount: Decimal) -> str:
    """`1234.56` → «Одна тысяча двести тридцать четыре рубля 56 копеек» (the way Russian invoices write it)."""
    amount = to_kopecks(amount)
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    words = num2words(rubles, lang="ru")
    ruble_word = _plural(rubles, "рубль", "рубля", "рублей")
    kopeck_word = _plural(kopecks, "копейка", "копейки", "копеек")
    text = f"{words} {ruble_word} {kopecks:02d} {kopeck_word}"
    return text[0].upper() + text[1:]
