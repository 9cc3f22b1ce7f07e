"""What the accounting system sends. Foreign keys are external ids; an unknown one is a 400 naming it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Organization


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
        if scope is None:  # only the OpenAPI generator builds serializers without a request
            return self.queryset.none()
        return scope.queryset(self.queryset.model)


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
        extra_kwargs = {"inn": {"validators": []}}  # the upsert finds the row by external id or INN


class ContractSerializer(serializers.ModelSerializer):
    organization = ExternalRef(Organization)
    product = ExternalRef(Product)

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
        validators = []


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
    number = serializers.IntegerField(min_value=1, max_value=10000)
    due_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"))
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100")
    )
    paid_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"), default=0)
    paid_date = serializers.DateField(required=False, allow_null=True)


class ScheduleSerializer(serializers.Serializer):
    payments = ScheduleRowSerializer(many=True, max_length=settings.API_MAX_ROWS)

    def validate_payments(self, rows):
        numbers = [r["number"] for r in rows]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError("Payment numbers repeat.")
        return rows


class ContractScheduleSerializer(ScheduleSerializer):
    contract = serializers.CharField(max_length=64)


class SchedulesBulkSerializer(serializers.Serializer):
    schedules = ContractScheduleSerializer(many=True, allow_empty=False)

    def validate_schedules(self, entries):
        rows = sum(len(e["payments"]) for e in entries)
        if rows > settings.API_MAX_ROWS:
            raise serializers.ValidationError(f"At most {settings.API_MAX_ROWS} rows per call, got {rows}.")
        return entries


class PaymentReceivedSerializer(serializers.Serializer):
    contract = serializers.CharField(max_length=64)
    number = serializers.IntegerField(min_value=1)
    paid_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"))
    paid_date = serializers.DateField()


class PaymentsSerializer(serializers.Serializer):
    payments = PaymentReceivedSerializer(many=True, max_length=settings.API_MAX_ROWS, allow_empty=False)


class DebtSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"))
    penalty = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"), default=0)
    as_of = serializers.DateField()


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
