"""A schedule as the accounting system sends it: rows checked and converted once per distinct text, the
VAT rules, the bulk call's shape."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.api.fields import MONEY_FIELD
from kabinet.core.money import KOPECK, MONEY_MAX, MONEY_MAX_DIGITS, vat_rate_on


class ScheduleRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=100000)
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    due_date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"))
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100")
    )
    document_kind = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Optional: the primary document the books issued for the charge, e.g. «УПД» or «Счёт-фактура» "
        "(«УПД» when only a number is sent). The акт сверки names it.",
    )
    document_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Optional: the primary document's number."
    )
    document_date = serializers.DateField(
        required=False, allow_null=True, help_text="Optional: the primary document's date (YYYY-MM-DD)."
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and ("paid_amount" in data or "paid_date" in data):
            raise serializers.ValidationError(
                {"paid_amount": ["A schedule line holds charges only: send payments received to POST /payments/."]}
            )
        return super().to_internal_value(data)


def _vat_warnings(rows) -> list[dict]:
    """Lines whose VAT rate differs from the rate in force on their due date (settings.VAT_RATES)."""
    out = []
    rates: dict[date, Decimal] = {}  # a schedule has a few dozen distinct dates, and one or two rates
    for row in rows:
        day = row["due_date"]
        expected = rates.get(day)
        if expected is None:
            expected = rates[day] = vat_rate_on(day)
        if row["vat_rate"] != expected and row["vat_rate"] != 0:
            out.append({"number": row["number"], "vat_rate": str(row["vat_rate"]), "expected": str(expected)})
    return out


_MONEY_RE = re.compile(rf"-?\d{{1,{MONEY_MAX_DIGITS - 2}}}(\.\d{{1,2}})?")
_RATE_RE = re.compile(r"\d{1,3}(\.\d{1,2})?")


@extend_schema_field(ScheduleRowSerializer(many=True))
class ScheduleRowsField(serializers.Field):
    """The schedule's lines, checked row by row without a nested serializer per row (a nested DRF
    serializer costs more than the database work of a bulk import). Errors name the row and field,
    like DRF's: {"payments": {"3": {"due_date": ["…"]}}}."""

    default_error_messages = {"not_a_list": "Expected a list of lines.", "too_many": "At most {n} lines."}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > settings.API_MAX_ROWS:
            self.fail("too_many", n=settings.API_MAX_ROWS)
        rows, errors = [], {}
        for index, raw in enumerate(data):
            row, problems = _schedule_row(raw)
            if problems:
                errors[str(index)] = problems
            rows.append(row)
        if errors:
            raise serializers.ValidationError(errors)
        return rows

    def to_representation(self, value):
        return value


# A schedule repeats its amounts, rates and dates: each distinct text is checked and converted once per
# process (pure functions of the text; None when it is not one).
@lru_cache(maxsize=8192)
def _amount(text: str) -> Decimal | None:
    if not _MONEY_RE.fullmatch(text) or text.startswith("-"):
        return None
    return Decimal(text).quantize(KOPECK)


@lru_cache(maxsize=1024)
def _rate(text: str) -> Decimal | None:
    if not _RATE_RE.fullmatch(text) or Decimal(text) > 100:
        return None
    return Decimal(text).quantize(KOPECK)


@lru_cache(maxsize=8192)
def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _schedule_row(raw) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": ["Expected an object."]}
    problems: dict[str, list[str]] = {}
    if "paid_amount" in raw or "paid_date" in raw:
        problems["paid_amount"] = ["A schedule line holds charges only: send payments received to POST /payments/."]
    row: dict = {}
    number = raw.get("number")
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 100000:
        problems["number"] = ["A whole number from 1 to 100000."]
    row["number"] = number
    due_date = _day(str(raw.get("due_date")))
    if due_date is None:
        problems["due_date"] = ["A date as YYYY-MM-DD."]
    else:
        row["due_date"] = due_date
    amount = _amount(str(raw.get("amount", "")))
    if amount is None:
        problems["amount"] = [f"An amount from 0 to {MONEY_MAX} with at most two decimal places."]
    else:
        row["amount"] = amount
    rate = _rate(str(raw.get("vat_rate", "")))
    if rate is None:
        problems["vat_rate"] = ["A VAT rate from 0 to 100 with at most two decimal places."]
    else:
        row["vat_rate"] = rate
    external_id = raw.get("external_id")
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 64):
        problems["external_id"] = ["At most 64 characters."]
    row["external_id"] = external_id or None
    _document_fields(raw, row, problems)
    return row, problems


def _document_fields(raw: dict, row: dict, problems: dict[str, list[str]]) -> None:
    """The optional primary document of a line (kind, number, date); absent: none."""
    for name in ("document_kind", "document_number"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 64):
            problems[name] = ["At most 64 characters."]
        else:
            row[name] = (value or "").strip()
    value = raw.get("document_date")
    if value in (None, ""):
        row["document_date"] = None
    else:
        try:
            row["document_date"] = date.fromisoformat(str(value))
        except ValueError:
            problems["document_date"] = ["A date as YYYY-MM-DD."]


class ScheduleSerializer(serializers.Serializer):
    payments = ScheduleRowsField()
    # A VAT rate that differs from the rate in force on the due date is refused unless the books
    # confirm it (then the answer lists it under "warnings").
    allow_vat_mismatch = serializers.BooleanField(default=False)

    def validate_payments(self, rows):
        numbers = [r["number"] for r in rows]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError("Payment numbers repeat.")
        external = [r["external_id"] for r in rows if r.get("external_id")]
        if len(external) != len(set(external)):
            raise serializers.ValidationError("External ids of the lines repeat.")
        return rows

    def validate(self, data):
        mismatches = _vat_warnings(data.get("payments", []))
        if mismatches and not data.get("allow_vat_mismatch"):
            raise serializers.ValidationError(
                {
                    "payments": {
                        "vat_rate": [
                            f"Payment {m['number']}: VAT rate {m['vat_rate']} % differs from {m['expected']} % "
                            "in force on its due date (send allow_vat_mismatch: true to keep it)."
                            for m in mismatches[:20]
                        ]
                    }
                }
            )
        data["warnings"] = mismatches
        return data


class ContractScheduleSerializer(ScheduleSerializer):
    contract = serializers.CharField(max_length=64)


class SchedulesBulkSerializer(serializers.Serializer):
    schedules = ContractScheduleSerializer(many=True, allow_empty=False)

    def validate_schedules(self, entries):
        rows = sum(len(e["payments"]) for e in entries)
        if rows > settings.API_MAX_ROWS:
            raise serializers.ValidationError(f"At most {settings.API_MAX_ROWS} rows per call, got {rows}.")
        return entries
