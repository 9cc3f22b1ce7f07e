"""Money rules: Decimal only, kopecks rounded half-up, VAT included in the amount, totals in words."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.core import exceptions
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Cast, Round
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
    """The VAT inside an amount that includes it: amount × rate / (100 + rate), to the kopeck (half up).

    The one VAT rounding of the portal; `vat_included_sql` is its mirror for sums the database makes."""
    return to_kopecks(Decimal(amount) * Decimal(rate) / (Decimal("100") + Decimal(rate)))


def vat_of_remainder(amount: Decimal, paid: Decimal, rate: Decimal) -> Decimal:
    """The VAT of what is left of a charge: the charge's VAT − the VAT of what was paid of it, so the
    VAT of the part paid and of the remainder always add up to the charge's VAT (rounding each part on
    its own can differ from the whole by a kopeck). Nothing left: no VAT."""
    if paid >= amount:
        return Decimal("0.00")
    return vat_included(amount, rate) - vat_included(max(paid, Decimal("0")), rate)


def vat_included_sql(kopecks: models.Expression | models.F, rate: models.Expression | models.F) -> models.Expression:
    """`vat_included` as a database expression, in whole kopecks, for an amount of zero or more kopecks
    (a bigint expression) and a rate in percent (two places): kopecks × R / (10000 + R) rounded half up, R
    the rate in hundredths of a percent, in integers only (both databases divide integers exactly).
    Split as q·R + (rem·R)/D so no product leaves 64 bits at the largest money column value.
    `kabinet/core/tests/test_money.py` compares it with `vat_included` over random amounts and rates."""
    big = models.BigIntegerField()
    hundredths = Cast(Round(rate * 100), big)
    divisor = models.ExpressionWrapper(hundredths + 10000, output_field=big)
    whole = models.ExpressionWrapper(kopecks / divisor, output_field=big)
    rem = models.ExpressionWrapper(kopecks - whole * divisor, output_field=big)
    return models.ExpressionWrapper(
        whole * hundredths + (rem * hundredths * 2 + divisor) / (divisor * 2), output_field=big
    )


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


# The largest amount the portal accepts: 9 999 999 999 999.99 — 15 significant digits, what Excel (and
# a double) holds exactly, so every accepted amount is the same in every spreadsheet the portal writes.
# The model fields' validators, their form fields and the API's money fields all read these two.
MONEY_MAX = Decimal("9999999999999.99")
MONEY_MAX_DIGITS = 15


class MoneyField(models.BigIntegerField):
    """Roubles with kopecks, stored as a whole number of kopecks.

    SQLite stores a DECIMAL column as a float (15 significant digits: 99 999 999 999 999.99 comes
    back changed, and sums drift); an integer is exact on every database, and so are its sums.
    In Python the value is a `Decimal` with two places, so the rest of the code never sees kopecks.
    """

    description = "Money (kopecks)"
    # For django-stubs: the attribute reads and takes a Decimal, not the kopecks the column holds
    # (narrower than the integer field's types, which is the point).
    _pyi_private_set_type: Decimal | int | str | models.expressions.Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]
    _pyi_lookup_exact_type: Decimal | int | str  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def _kopecks(self, value):
        if value is None or isinstance(value, models.expressions.Combinable | models.Expression):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value * 100
        amount = to_kopecks(Decimal(str(value)) if isinstance(value, float) else Decimal(value))
        return int(amount * 100)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)
        return self._kopecks(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return (Decimal(int(value)) / 100).quantize(KOPECK)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return to_kopecks(Decimal(str(value)))
        except (ArithmeticError, ValueError) as exc:
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc

    def get_db_converters(self, connection):
        return [self.from_db_value]

    def formfield(self, **kwargs):
        return models.Field.formfield(
            self,
            **{
                "form_class": forms.DecimalField,
                "max_digits": MONEY_MAX_DIGITS,
                "decimal_places": 2,
                "max_value": MONEY_MAX,
                "min_value": -MONEY_MAX,
                **kwargs,
            },
        )

    @property
    def validators(self):
        own = self._validators  # type: ignore[attr-defined]  # Field._validators, not in the stubs
        return [*own, MinValueValidator(-MONEY_MAX), MaxValueValidator(MONEY_MAX)]
