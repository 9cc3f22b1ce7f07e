"""Integration API v1: the creditor's accounting system feeds the portal and reads what clients did.

Every write is an upsert by external id (the same call twice changes nothing), runs in one
transaction, and has the same side effects as the staff's edits (notifications, history).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kabinet.api import serializers as s
from kabinet.api.models import ApiEvent, IdempotentUpload
from kabinet.appeals.models import Appeal
from kabinet.appeals.services import TransitionRefused, appeal_change_status
from kabinet.audit.models import AuditEvent
from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem, PaymentReceived
from kabinet.contracts.services import (
    LedgerError,
    adjustments_upsert,
    books_debt_put,
    buyout_replace,
    payment_reverse,
    payments_record,
    penalties_upsert,
    schedules_replace,
)
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.documents.services import documents_publish
from kabinet.organizations.models import Organization

OK = OpenApiResponse(description="Done.")
ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reasons]}; nothing was written."),
    401: OpenApiResponse(description="No token, a wrong or revoked token."),
    403: OpenApiResponse(description="The token lacks the scope, or the address is not allowed."),
    404: OpenApiResponse(description="No object with this external id."),
    413: OpenApiResponse(description="The request body is too large."),
}


def _external_id(value: str) -> str:
    if not 1 <= len(value) <= 64:
        raise ValidationError({"external_id": "From 1 to 64 characters."})
    return value


class Upsert(APIView):
    """PUT /<kind>/<external_id>/: create or update one object by its external id."""

    model: type[Any]
    serializer_class: type[Any]
    lookup_fallback: str | None = None  # a natural key that finds a row made before it had an external id

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request, external_id: str):
        _external_id(external_id)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        instance = self.model.objects.filter(external_id=external_id).first()
        if instance is None and self.lookup_fallback and request.data.get(self.lookup_fallback):
            instance = self.model.objects.filter(
                **{self.lookup_fallback: request.data[self.lookup_fallback], "external_id__isnull": True}
            ).first()
        serializer = self.serializer_class(instance, data=request.data)
        serializer.is_valid(raise_exception=True)
        self.previous = {k: getattr(instance, k) for k in serializer.validated_data} if instance else {}
        with transaction.atomic():
            changed = instance is None or any(getattr(instance, k) != v for k, v in serializer.validated_data.items())
            obj = serializer.save(external_id=external_id, **self.extra_save(serializer.validated_data))
            try:
                obj.full_clean(validate_unique=False)
            except Exception as exc:  # model validators (INN checksum, VIN, accounts) as field errors
                raise ValidationError(getattr(exc, "message_dict", {"non_field_errors": [str(exc)]})) from exc
            if changed:
                self.after_change(obj, created=instance is None)
        body = {"external_id": external_id, "id": obj.pk, "created": instance is None, "changed": changed}
        return Response(body, status=status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK)

    def extra_save(self, data) -> dict:
        return {}

    def after_change(self, obj, *, created: bool) -> None:
        pass


class CreditorUpsert(Upsert):
    model, serializer_class = Creditor, s.CreditorSerializer


class ProductUpsert(Upsert):
    model, serializer_class = Product, s.ProductSerializer


class OrganizationUpsert(Upsert):
    model, serializer_class, lookup_fallback = Organization, s.OrganizationSerializer, "inn"

    def extra_save(self, data) -> dict:
        return {"data_as_of": timezone.now()}


class ContractUpsert(Upsert):
    model, serializer_class = Contract, s.ContractSerializer

    def after_change(self, obj, *, created: bool) -> None:
        if not created and self.previous.get("status") != obj.status:
            from kabinet.contracts.services import contract_status_changed

            contract_status_changed(contract=obj)


class ChildUpsert(Upsert):
    """Rows of a contract carry its organization themselves."""

    def extra_save(self, data) -> dict:
        return {"organization_id": data["contract"].organization_id}


class LeasedItemUpsert(ChildUpsert):
    model, serializer_class = LeasedItem, s.LeasedItemSerializer


class InsurancePolicyUpsert(ChildUpsert):
    model, serializer_class = InsurancePolicy, s.InsurancePolicySerializer


def _contract(external_id: str) -> Contract:
    contract = Contract.objects.filter(external_id=_external_id(external_id)).first()
    if contract is None:
        raise NotFound(f"No contract with external id «{external_id}».")
    return contract


class ScheduleReplace(APIView):
    """PUT /contracts/<external_id>/schedule/: the whole schedule, replaced atomically."""

    @extend_schema(request=s.ScheduleSerializer, responses={200: OK, **ERRORS})
    def put(self, request, external_id: str):
        contract = _contract(external_id)
        serializer = s.ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response({**schedules_replace([(contract, data["payments"])]), "warnings": data["warnings"]})


class SchedulesBulk(APIView):
    """POST /schedules/: the schedules of many contracts in one call (thousands of rows), all or nothing."""

    @extend_schema(request=s.SchedulesBulkSerializer, responses={200: OK, **ERRORS})
    def post(self, request):
        serializer = s.SchedulesBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entries = serializer.validated_data["schedules"]
        wanted = [e["contract"] for e in entries]
        contracts = {c.external_id: c for c in Contract.objects.filter(external_id__in=wanted)}
        missing = {
            str(i): [f"No contract with external id «{e['contract']}»."]
            for i, e in enumerate(entries)
            if e["contract"] not in contracts
        }
        if missing:
            raise ValidationError({"schedules": missing})
        warnings = [{"contract": e["contract"], **w} for e in entries for w in e["warnings"]]
        result = schedules_replace([(contracts[e["contract"]], e["payments"]) for e in entries])
        return Response({**result, "warnings": warnings})


def _ledger_call(write, *args, **kwargs):
    try:
        return write(*args, **kwargs)
    except LedgerError as exc:
        raise ValidationError(exc.errors) from exc


class PaymentsReceived(APIView):
    """POST /payments/: payments received (upserted by external id), thousands per call, all or nothing.

    Each may say how the books split it between schedule lines and penalties (`allocations`); without
    it the portal pays the oldest due lines first. Every page, file and invoice changes at once."""

    @extend_schema(request=s.PaymentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request):
        serializer = s.PaymentsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_ledger_call(payments_record, rows=serializer.validated_data["payments"]))


class PaymentReversal(APIView):
    """POST /payments/<external_id>/reversal/: the payment is reversed (сторно) from a date on."""

    @extend_schema(
        request=s.ReversalSerializer,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: OK, **ERRORS},
    )
    def post(self, request, external_id: str):
        _external_id(external_id)
        payment = PaymentReceived.objects.filter(external_id=external_id)
        contract_ref = request.query_params.get("contract") or (
            request.data.get("contract") if isinstance(request.data, dict) else None
        )
        if contract_ref:
            payment = payment.filter(contract__external_id=contract_ref)
        found = list(payment.select_related("contract")[:2])
        if not found:
            raise NotFound(f"No payment with external id «{external_id}».")
        if len(found) > 1:
            raise ValidationError({"contract": "Several payments have this external id: name the contract."})
        serializer = s.ReversalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = _ledger_call(
            payment_reverse,
            org_id=found[0].organization_id,
            external_id=external_id,
            reversed_on=serializer.validated_data["reversed_on"],
            document_number=serializer.validated_data["document_number"],
        )
        return Response({"external_id": external_id, "reversed_on": payment.reversed_on})


class PenaltiesPost(APIView):
    """POST /penalties/: penalties (пени) by external id, with their basis; amount 0 removes one."""

    @extend_schema(request=s.PenaltiesSerializer, responses={200: OK, **ERRORS})
    def post(self, request):
        serializer = s.PenaltiesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_ledger_call(penalties_upsert, rows=serializer.validated_data["penalties"]))


class AdjustmentsPost(APIView):
    """POST /adjustments/: corrections of a contract's balance by external id; amount 0 removes one."""

    @extend_schema(request=s.AdjustmentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request):
        serializer = s.AdjustmentsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_ledger_call(adjustments_upsert, rows=serializer.validated_data["adjustments"]))


class DebtPut(APIView):
    """PUT /contracts/<external_id>/debt/: the books' own overdue figure, shown next to the ledger's
    with its date; a difference is shown to the client, never hidden."""

    @extend_schema(request=s.DebtSerializer, responses={200: OK, **ERRORS})
    def put(self, request, external_id: str):
        contract = _contract(external_id)
        serializer = s.DebtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        books_debt_put(contract=contract, **serializer.validated_data)
        from kabinet.contracts.ledger import contract_ledger

        check = contract_ledger(contract).books_check
        return Response(
            {
                "contract": external_id,
                "ledger_amount": str(check.ledger_amount) if check else None,
                "ledger_penalty": str(check.ledger_penalty) if check else None,
                "difference": str(check.difference) if check else None,
            }
        )


class BuyoutPut(APIView):
    """PUT /contracts/<external_id>/buyout/: the early buyout value by date (график выкупной стоимости),
    replaced as a whole; an empty list removes it (the card then offers no buyout)."""

    @extend_schema(request=s.BuyoutSerializer, responses={200: OK, **ERRORS})
    def put(self, request, external_id: str):
        contract = _contract(external_id)
        serializer = s.BuyoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {
                "contract": external_id,
                "values": buyout_replace(contract=contract, values=serializer.validated_data["values"]),
            }
        )


class DocumentUpload(APIView):
    """POST /documents/ (multipart): an incoming document; `Idempotency-Key` makes a retry create one."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": s.DocumentUploadSerializer}, responses={200: OK, 201: OK, **ERRORS})
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")[:128]
        if key:
            done = IdempotentUpload.objects.filter(token=request.auth, key=key).select_related("document").first()
            if done:
                return Response({"id": done.document_id, "external_id": done.document.external_id}, status=200)
        serializer = s.DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = Document.objects.filter(external_id=data["external_id"]).first()
        if existing:
            return Response({"id": existing.pk, "external_id": existing.external_id}, status=200)
        try:
            with transaction.atomic():
                document = documents_publish(
                    org=data["organization"],
                    contract=data.get("contract"),
                    files=[data["file"]],
                    doc_type=data["doc_type"],
                    category=data["category"],
                    document_date=data["document_date"],
                )[0]
                Document.objects.filter(pk=document.pk).update(external_id=data["external_id"], title=data["title"])
                if key:
                    IdempotentUpload.objects.create(token=request.auth, key=key, document=document)
        except IntegrityError as exc:
            raise ValidationError({"external_id": "A document with this external id already exists."}) from exc
        except Exception as exc:
            if hasattr(exc, "messages"):
                raise ValidationError({"file": exc.messages}) from exc
            raise
        return Response({"id": document.pk, "external_id": data["external_id"]}, status=201)


class EventFeed(APIView):
    """GET /events/?after=<id>: what clients did, oldest first. Events become visible a few seconds after
    they are written, so a transaction still in flight cannot commit an id below the cursor unseen."""

    @extend_schema(
        parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
        responses={200: s.EventFeedSerializer, **ERRORS},
    )
    def get(self, request):
        try:
            after = int(request.query_params.get("after", 0))
            limit = int(request.query_params.get("limit", 500))
        except ValueError as exc:
            raise ValidationError({"after": "A whole number."}) from exc
        if not 0 <= after < 2**62:
            raise ValidationError({"after": "A whole number from 0."})
        limit = max(1, min(limit, 1000))
        horizon = timezone.now() - timedelta(seconds=settings.API_EVENT_LAG_SECONDS)
        events = list(
            ApiEvent.objects.filter(pk__gt=after, created_at__lte=horizon)
            .select_related("organization")
            .order_by("id")[:limit]
        )
        return Response(
            {
                "events": s.EventSerializer(events, many=True).data,
                "next": events[-1].pk if events else after,
            }
        )


class AppealStatus(APIView):
    """POST /requests/<number>/status/: the same transition rules and notifications as the back office."""

    @extend_schema(request=s.StatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request, number: str):
        appeal = Appeal.objects.filter(number=number).first() if len(number) <= 32 else None
        if appeal is None:
            raise NotFound(f"No request «{number}».")
        serializer = s.StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            appeal = appeal_change_status(
                appeal_id=appeal.pk,
                to_status=serializer.validated_data["status"],
                comment=serializer.validated_data.get("comment", ""),
                actor_kind=AuditEvent.ActorKind.API,
            )
        except (TransitionRefused, ValueError) as exc:
            raise ValidationError({"status": str(exc)}) from exc
        return Response({"number": appeal.number, "status": appeal.status})


class RegistrationStatus(APIView):
    """POST /registrations/<id>/status/: approve, or reject with a reason, as staff do in the back office."""

    @extend_schema(request=s.RegistrationStatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request, pk: int):
        from kabinet.accounts import services as account_services
        from kabinet.accounts.models import Registration

        if pk >= 2**62 or not Registration.objects.filter(pk=pk).exists():
            raise NotFound(f"No registration {pk}.")
        serializer = s.RegistrationStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data["status"] == "approved":
                registration = account_services.registration_approve(
                    registration_id=pk, staff=None, actor_kind=AuditEvent.ActorKind.API
                )
            else:
                registration = account_services.registration_reject(
                    registration_id=pk, staff=None, reason=data.get("reason", ""), actor_kind=AuditEvent.ActorKind.API
                )
        except account_services.ServiceError as exc:
            raise ValidationError({exc.field or "status": exc.message}) from exc
        return Response({"id": registration.pk, "status": registration.status})
