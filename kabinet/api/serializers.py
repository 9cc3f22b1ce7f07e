"""What the accounting system sends. Foreign keys are external ids; an unknown one is a 400 naming it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem
from kabinet.core.money import KOPECK, MONEY_MAX, MONEY_MAX_DIGITS, vat_rate_on
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Organization

# Every amount: at most `MONEY_MAX` (15 significant digits), kopecks exact (a 400 naming the field beyond that).
MONEY_FIELD: dict[str, Any] = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": 2}


class ExternalRef(serializers.SlugRelatedField):
    """A reference by external id: «organization: "1C-000123"». Only objects the token reaches are found:
    another creditor's object is «no object», exactly like one that does not exist."""

    def __init__(self, model, **kwargs):
        super().__init__(slug_field="external_id", queryset=model.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = "No object with external id «{value}»."

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:  # PostgreSQL refuses NUL in a text comparison
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)

    def get_queryset(self):
        scope = self.context.get("scope")
        queryset = super().get_queryset()
        assert queryset is not None  # always given in __init__
        if scope is None:  # only the OpenAPI generator builds serializers without a request
            return queryset.none()
        return scope.queryset(queryset.model)


class CreditorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Creditor
        fields = [
            "name",
            "short_name",
            "inn",
            "kpp",
            "ogrn",
            "legal_address",
            "bank_name",
            "bic",
            "settlement_account",
            "correspondent_account",
            "phone",
            "email",
            "website",
            "shop_url",
            "memo",
        ]


class ProductSerializer(serializers.ModelSerializer):
    creditor = ExternalRef(Creditor)

    class Meta:
        model = Product
        fields = ["creditor", "name", "description", "position"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "name",
            "full_name",
            "inn",
            "kpp",
            "ogrn",
            "okved_code",
            "okved_name",
            "director",
            "legal_address",
            "status",
        ]
        extra_kwargs: dict[str, Any] = {"inn": {"validators": []}}  # the upsert finds the row by external id or INN


class ContractSerializer(serializers.ModelSerializer):
    organization = ExternalRef(Organization)
    product = ExternalRef(Product)
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"))

    class Meta:
        model = Contract
        fields = [
            "organization",
            "product",
            "number",
            "status",
            "amount",
            "currency",
            "signed_on",
            "start_date",
            "end_date",
        ]
        validators: list[Any] = []


class LeasedItemSerializer(serializers.ModelSerializer):
    contract = ExternalRef(Contract)

    class Meta:
        model = LeasedItem
        fields = ["contract", "make", "model", "vin", "plate", "year"]


class InsurancePolicySerializer(serializers.ModelSerializer):
    contract = ExternalRef(Contract)

    class Meta:
        model = InsurancePolicy
        fields = ["contract", "kind", "insurer", "policy_number", "insured_object", "start_date", "end_date", "status"]


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


class AllocationSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, required=False, help_text="The schedule line's number.")
    penalty = serializers.CharField(max_length=64, required=False, help_text="The penalty's external id.")
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0.01"))

    def validate(self, data):
        if ("number" in data) == ("penalty" in data):
            raise serializers.ValidationError({"number": ["Give either a line number or a penalty, not both."]})
        return data


class PaymentReceivedSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="The books' id of the payment (idempotency).")
    contract = serializers.CharField(max_length=64, help_text="The contract's external id.")
    received_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0.01"))
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    allocations = AllocationSerializer(
        many=True,
        required=False,
        help_text="How the books split the payment; without it the portal pays the oldest due lines first.",
    )


class PaymentsSerializer(serializers.Serializer):
    payments = PaymentReceivedSerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack


class PaymentsAnswerSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Payments new to the portal.")
    updated = serializers.IntegerField(help_text="Stored payments whose date, amount, document or allocations changed.")
    unchanged = serializers.IntegerField(
        help_text="Payments sent again as stored: nothing written. A reversed payment sent again stays reversed "
        "(POST /payments/{external_id}/unreverse/ undoes a reversal)."
    )


class UnreverseAnswerSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    reversed_on = serializers.DateField(allow_null=True)
    updated = serializers.IntegerField(help_text="1 if the payment was reversed and now pays again.")
    unchanged = serializers.IntegerField(help_text="1 if the payment was not reversed: nothing written.")


class ReversalSerializer(serializers.Serializer):
    reversed_on = serializers.DateField()
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class PenaltySerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    contract = serializers.CharField(max_length=64, help_text="The contract's external id.")
    accrued_on = serializers.DateField()
    amount = serializers.DecimalField(
        **MONEY_FIELD,
        min_value=Decimal("0"),
        help_text="0: the books wrote the penalty off — a dated credit entry «списание пеней» (on `written_off_on`, "
        "else the day the call arrives); the penalty's own entry stays, so an акт сверки of an earlier period "
        "does not change. A written-off penalty is not charged again under the same id.",
    )
    basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    number = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="The overdue line.")
    written_off_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Optional: the day the books wrote the penalty off (the penalty is written off whatever `amount` "
        "says; with a new id it is charged and written off in one call).",
    )


class PenaltiesSerializer(serializers.Serializer):
    penalties = PenaltySerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack


class AdjustmentSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    contract = serializers.CharField(max_length=64, help_text="The contract's external id.")
    date = serializers.DateField()
    amount = serializers.DecimalField(
        **MONEY_FIELD,
        help_text="Positive: the client owes more; negative: less; 0: the books removed the adjustment — a dated "
        "reversal entry (on `removed_on`, else the day the call arrives); the adjustment's own entry stays, so an "
        "акт сверки of an earlier period does not change. A removed adjustment is not charged again under the "
        "same id.",
    )
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        allow_null=True,
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    removed_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Optional: the day the books removed the adjustment (it is removed whatever `amount` says).",
    )


class AdjustmentsSerializer(serializers.Serializer):
    adjustments = AdjustmentSerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack


class DebtLineSerializer(serializers.Serializer):
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        allow_null=True,
        help_text="VAT rate, %; null: without VAT.",
    )
    amount = serializers.DecimalField(
        **MONEY_FIELD, min_value=Decimal("0"), help_text="Overdue at this rate, VAT included."
    )


class DebtSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY_FIELD,
        min_value=Decimal("0"),
        required=False,
        help_text=(
            "The overdue debt on `as_of` without penalties, VAT included. Required unless `lines` are sent; "
            "alone it is read at the VAT rate of the contract's latest schedule line due on or before `as_of`. "
            "With `lines` it must equal their sum."
        ),
    )
    lines = DebtLineSerializer(
        many=True,
        required=False,
        max_length=20,  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack
        help_text="The same debt per VAT rate (the debt invoice's VAT is then the books'); rates do not repeat.",
    )
    penalty = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"), default=Decimal("0"))
    as_of = serializers.DateField(help_text="The date the figure is for: what was overdue (due before it) then.")

    def validate_lines(self, lines):
        rates = [line["vat_rate"] for line in lines]
        if len(rates) != len(set(rates)):
            raise serializers.ValidationError("VAT rates repeat.")
        return lines

    def validate(self, data):
        lines = data.get("lines")
        if lines is None:
            if "amount" not in data:
                raise serializers.ValidationError({"amount": ["Send the amount or its lines by VAT rate."]})
            return data
        total = sum((line["amount"] for line in lines), Decimal("0"))
        if "amount" in data and data["amount"] != total:
            raise serializers.ValidationError({"amount": [f"Differs from the sum of the lines ({total})."]})
        data["amount"] = total
        return data


class DebtAnswerSerializer(serializers.Serializer):
    """The answer of PUT /contracts/{external_id}/debt/ (for the schema)."""

    contract = serializers.CharField()
    ledger_amount = serializers.CharField(allow_null=True, help_text="The portal's overdue on `as_of`.")
    ledger_penalty = serializers.CharField(allow_null=True, help_text="The portal's overdue penalties on `as_of`.")
    difference = serializers.CharField(allow_null=True, help_text="The books' figure − the portal's, on `as_of`.")
    debt_today = serializers.CharField(
        allow_null=True, help_text="The books' figure rolled forward to today: the contract's debt shown and invoiced."
    )
    not_itemized = serializers.CharField(
        allow_null=True, help_text="The part of `debt_today` the portal's own records do not break down."
    )


class BuyoutValueSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"))


class BuyoutSerializer(serializers.Serializer):
    values = BuyoutValueSerializer(many=True, max_length=2000)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack

    def validate_values(self, values):
        dates = [v["date"] for v in values]
        if len(dates) != len(set(dates)):
            raise serializers.ValidationError("Dates repeat.")
        return values


class DocumentUploadSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    organization = ExternalRef(Organization)
    contract = ExternalRef(Contract, required=False, allow_null=True)
    category = serializers.ChoiceField(choices=Document.Category.choices)
    doc_type = serializers.CharField(max_length=128)
    title = serializers.CharField(max_length=255)
    document_date = serializers.DateField()
    file = serializers.FileField()
    signature_required = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Put the document «на подпись»: the client's employees with the right to sign sign it with a "
        "simple electronic signature (an SMS code); `document.signed` / `document.signature_refused` follow.",
    )
    signers_required = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=2, help_text="How many signers are needed: 1 or 2."
    )
    signature_deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Sign by (ISO 8601); required with signature_required."
    )

    def validate(self, data):
        contract = data.get("contract")
        if contract is not None and contract.organization_id != data["organization"].pk:
            raise serializers.ValidationError({"contract": "The contract belongs to another organization."})
        if data.get("signature_required"):
            deadline = data.get("signature_deadline")
            if deadline is None:
                raise serializers.ValidationError({"signature_deadline": "Required with signature_required."})
            if deadline <= timezone.now():
                raise serializers.ValidationError({"signature_deadline": "Must be in the future."})
        return data


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=24)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    organization = serializers.CharField(source="organization.external_id", allow_null=True, default=None)
    organization_inn = serializers.CharField(source="organization.inn", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    payload = serializers.JSONField()


class RegistrationStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["approved", "rejected"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EventFeedSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next = serializers.IntegerField()


class ClosingVatSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"))
    vat = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"), help_text="The VAT at this rate.")
    amount = serializers.DecimalField(
        **MONEY_FIELD,
        min_value=Decimal("0"),
        required=False,
        help_text="The part of the document's amount at this rate, VAT included; with one rate, the whole amount.",
    )


class ClosingDocumentSerializer(serializers.Serializer):
    """A closing document of the books (УПД, счёт-фактура, акт, корректировочный)."""

    organization = ExternalRef(Organization)
    creditor = ExternalRef(
        Creditor, required=False, allow_null=True, help_text="Only for a back-office token; else the token's creditor."
    )
    contract = ExternalRef(Contract, required=False, allow_null=True)
    kind = serializers.ChoiceField(
        choices=["upd", "invoice", "act", "correction"],
        help_text="upd: УПД; invoice: счёт-фактура; act: акт; correction: корректировочный (УКД, КСФ).",
    )
    number = serializers.CharField(max_length=64)
    date = serializers.DateField()
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"), help_text="VAT included.")
    vat = ClosingVatSerializer(
        many=True, required=False, default=list, help_text="VAT per rate; none: the document is без НДС."
    )
    lines = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        max_length=1000,
        help_text="External ids of the contract's schedule lines the document is for: the акт сверки cites it.",
    )

    def validate(self, data):
        contract = data.get("contract")
        if contract is not None and contract.organization_id != data["organization"].pk:
            raise serializers.ValidationError({"contract": "The contract belongs to another organization."})
        if data.get("lines") and contract is None:
            raise serializers.ValidationError({"lines": "Lines are named with their contract."})
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise serializers.ValidationError({"period_end": "Before period_start."})
        rates = [part["rate"] for part in data["vat"]]
        if len(set(rates)) != len(rates):
            raise serializers.ValidationError({"vat": "Each rate once."})
        if len(data["vat"]) == 1 and "amount" not in data["vat"][0]:
            data["vat"][0]["amount"] = data["amount"]
        for index, part in enumerate(data["vat"]):
            if "amount" not in part:
                raise serializers.ValidationError({"vat": {str(index): {"amount": ["Required with several rates."]}}})
            if part["vat"] > part["amount"]:
                raise serializers.ValidationError({"vat": {str(index): {"vat": ["More than the amount at the rate."]}}})
        if sum((part["amount"] for part in data["vat"]), Decimal("0")) > data["amount"]:
            raise serializers.ValidationError({"vat": "The amounts per rate add up to more than the amount."})
        return data


class ClosingFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF, or the ФНС XML.")


# ---------------------------------------------------------------------------------------------
# A document's signatures, read by the lessor's books (GET /documents/<id>/signatures/)


class SignatureRequestOutSerializer(serializers.Serializer):
    public_id = serializers.CharField(help_text="The verification page's id.")
    status = serializers.CharField(help_text="pending, signed, refused or expired.")
    signers_required = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    document_sha256 = serializers.CharField(help_text="The file's SHA-256 at the first signature; empty before.")
    completed_at = serializers.DateTimeField(allow_null=True)


class SimpleSignatureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signature_request = serializers.CharField(source="request.public_id")
    signer = serializers.CharField(source="signer_name")
    phone = serializers.CharField()
    signed_at = serializers.DateTimeField()
    document_sha256 = serializers.CharField()
    agreement_version = serializers.IntegerField()
    ip = serializers.IPAddressField(allow_null=True)


class QualifiedCertificateSerializer(serializers.Serializer):
    owner = serializers.CharField(source="signer_name")
    organization = serializers.CharField(source="organization_name")
    title = serializers.CharField()
    inn = serializers.CharField()
    inn_le = serializers.CharField()
    ogrn = serializers.CharField()
    snils = serializers.CharField()
    issuer = serializers.CharField()
    serial = serializers.CharField(source="certificate_serial")
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_to = serializers.DateTimeField(allow_null=True)


class QualifiedSignatureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verified = serializers.BooleanField(help_text="The signature holds mathematically for the file.")
    failure = serializers.CharField(help_text="Why it does not hold (empty when verified).")
    chain_checked = serializers.SerializerMethodField(
        help_text="Always false: the chain to an accredited root and revocation are not checked."
    )
    signature_request = serializers.SerializerMethodField(
        help_text="The request this КЭП counts toward as its uploader's signature."
    )
    signed_at = serializers.DateTimeField(source="signing_time", allow_null=True)
    uploaded_at = serializers.DateTimeField(source="created_at")
    document_sha256 = serializers.CharField()
    digest_algorithm = serializers.CharField()
    original_name = serializers.CharField()
    certificate = QualifiedCertificateSerializer(source="*")
    file_url = serializers.SerializerMethodField(help_text="GET it for the `.sig` file (detached CAdES-BES).")

    def get_chain_checked(self, obj) -> bool:
        return False

    def get_signature_request(self, obj) -> str | None:
        return obj.signature_request.public_id if obj.signature_request_id else None

    def get_file_url(self, obj) -> str:
        return reverse("api:document_qualified_signature_file", args=[obj.document_id, obj.pk])


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    title = serializers.CharField()


class DocumentSignaturesSerializer(serializers.Serializer):
    document = DocumentRefSerializer()
    requests = SignatureRequestOutSerializer(many=True)
    simple = SimpleSignatureOutSerializer(many=True)
    qualified = QualifiedSignatureOutSerializer(many=True)
