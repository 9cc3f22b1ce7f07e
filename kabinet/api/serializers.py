"""What the accounting system sends. Foreign keys are external ids; an unknown one is a 400 naming it.

The schedule's rows are in `schedule_serializers`, the signatures' answers in `signature_serializers`,
the shared fields in `fields`; all are read here as `serializers.X`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from kabinet.api.fields import MONEY_FIELD, ExternalRef
from kabinet.api.schedule_serializers import (  # noqa: F401  # the API's serializers, read as `serializers.X`
    ContractScheduleSerializer,
    ScheduleRowSerializer,
    ScheduleRowsField,
    SchedulesBulkSerializer,
    ScheduleSerializer,
)
from kabinet.api.signature_serializers import (  # noqa: F401  # the API's serializers, read as `serializers.X`
    DocumentRefSerializer,
    DocumentSignaturesSerializer,
    QualifiedCertificateSerializer,
    QualifiedSignatureOutSerializer,
    SignatureRequestOutSerializer,
    SimpleSignatureOutSerializer,
)
from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Organization


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
