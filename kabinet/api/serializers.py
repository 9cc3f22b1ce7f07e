"""What the accounting system sends. Foreign keys are external ids; an unknown one is a 400 naming it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem
from kabinet.core.money import vat_rate_on
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Organization

# Every amount: at most 99 999 999 999 999.99, kopecks exact (a 400 naming the field beyond that).
MONEY_FIELD: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


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

    def to_internal_value(self, data):
        if isinstance(data, dict) and ("paid_amount" in data or "paid_date" in data):
            raise serializers.ValidationError(
                {"paid_amount": ["A schedule line holds charges only: send payments received to POST /payments/."]}
            )
        return super().to_internal_value(data)


def _vat_warnings(rows) -> list[dict]:
    """Lines whose VAT rate differs from the rate in force on their due date (settings.VAT_RATES)."""
    out = []
    for row in rows:
        expected = vat_rate_on(row["due_date"])
        if row["vat_rate"] != expected and row["vat_rate"] != 0:
            out.append({"number": row["number"], "vat_rate": str(row["vat_rate"]), "expected": str(expected)})
    return out


_MONEY_RE = re.compile(r"-?\d{1,14}(\.\d{1,2})?")
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
    try:
        row["due_date"] = date.fromisoformat(str(raw.get("due_date")))
    except ValueError:
        problems["due_date"] = ["A date as YYYY-MM-DD."]
    amount = str(raw.get("amount", ""))
    if not _MONEY_RE.fullmatch(amount) or amount.startswith("-"):
        problems["amount"] = ["An amount from 0 to 99999999999999.99 with at most two decimal places."]
    else:
        row["amount"] = Decimal(amount).quantize(Decimal("0.01"))
    rate = str(raw.get("vat_rate", ""))
    if not _RATE_RE.fullmatch(rate) or Decimal(rate) > 100:
        problems["vat_rate"] = ["A VAT rate from 0 to 100 with at most two decimal places."]
    else:
        row["vat_rate"] = Decimal(rate).quantize(Decimal("0.01"))
    external_id = raw.get("external_id")
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 64):
        problems["external_id"] = ["At most 64 characters."]
    row["external_id"] = external_id or None
    return row, problems


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


class ReversalSerializer(serializers.Serializer):
    reversed_on = serializers.DateField()
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class PenaltySerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    contract = serializers.CharField(max_length=64, help_text="The contract's external id.")
    accrued_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"), help_text="0 removes the penalty.")
    basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    number = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="The overdue line.")


class PenaltiesSerializer(serializers.Serializer):
    penalties = PenaltySerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack


class AdjustmentSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    contract = serializers.CharField(max_length=64, help_text="The contract's external id.")
    date = serializers.DateField()
    amount = serializers.DecimalField(
        **MONEY_FIELD, help_text="Positive: the client owes more; negative: less; 0 removes the adjustment."
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


class AdjustmentsSerializer(serializers.Serializer):
    adjustments = AdjustmentSerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)  # type: ignore[call-arg]  # many=True: a ListSerializer, whose max_length the stubs lack


class DebtSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"))
    penalty = serializers.DecimalField(**MONEY_FIELD, min_value=Decimal("0"), default=Decimal("0"))
    as_of = serializers.DateField()


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

    def validate(self, data):
        contract = data.get("contract")
        if contract is not None and contract.organization_id != data["organization"].pk:
            raise serializers.ValidationError({"contract": "The contract belongs to another organization."})
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
