"""Integration API v1: the creditor's accounting system feeds the portal and reads what clients did.

Every write is an upsert by external id (the same call twice changes nothing), runs in one
transaction, and has the same side effects as the staff's edits (notifications, history).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.accounts.models import Registration
from kabinet.api import serializers as s
from kabinet.api.models import ApiEvent, ApiToken, IdempotentUpload
from kabinet.api.scoping import ScopedAPIView
from kabinet.appeals.models import Appeal
from kabinet.appeals.services import TransitionRefused, appeal_change_status
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.contracts.ledger import contract_ledger
from kabinet.contracts.models import Adjustment, Contract, InsurancePolicy, LeasedItem, PaymentReceived, Penalty
from kabinet.contracts.services import (
    LedgerError,
    adjustments_upsert,
    books_debt_put,
    buyout_replace,
    contract_status_changed,
    payment_reverse,
    payments_record,
    penalties_upsert,
    schedules_replace,
)
from kabinet.core.net import Origin
from kabinet.creditors.models import REQUISITE_FIELDS, Creditor, Product
from kabinet.documents.models import Document
from kabinet.documents.services import documents_publish
from kabinet.onboarding import services as onboarding_services
from kabinet.organizations.models import Organization

OK = OpenApiResponse(description="Done.")
ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reasons]}; nothing was written."),
    401: OpenApiResponse(description="No token, a wrong or revoked token."),
    403: OpenApiResponse(description="The token lacks the scope, or the address is not allowed."),
    404: OpenApiResponse(description="No object with this external id among the token's creditor's objects."),
    # The API answers JSON only: an Accept header that admits no JSON (schemathesis sends junk ones).
    406: OpenApiResponse(description="The Accept header does not admit application/json."),
    413: OpenApiResponse(description="The request body is too large."),
    415: OpenApiResponse(description="The Content-Type is not one the operation reads."),
}


def _external_id(value: str) -> str:
    if not 1 <= len(value) <= 64 or "\x00" in value:
        raise ValidationError({"external_id": "From 1 to 64 characters."})
    return value


class Upsert(ScopedAPIView):
    """PUT /<kind>/<external_id>/: create or update one object by its external id.

    Only objects the token reaches are found; an external id that exists outside the token's creditor
    is a 404 (never a second row, never an overwrite)."""

    model: type[Any]
    serializer_class: type[Any]
    lookup_fallback: str | None = None  # a natural key that finds a row made before it had an external id

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        _external_id(external_id)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        instance = self.get_queryset().filter(external_id=external_id).first()
        if instance is None:
            if self.model.objects.filter(external_id=external_id).exists() or not self.scope.may_create(self.model):
                raise NotFound(f"No object with external id «{external_id}».")
            if self.lookup_fallback and request.data.get(self.lookup_fallback):
                instance = self.fallback(request.data[self.lookup_fallback])
        serializer = self.serializer_class(instance, data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        self.previous = {k: getattr(instance, k) for k in serializer.validated_data} if instance else {}
        self.check_change(instance, serializer.validated_data)
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

    def fallback(self, value: Any) -> Any:
        lookup: dict[str, Any] = {str(self.lookup_fallback): value, "external_id__isnull": True}
        return self.get_queryset().filter(**lookup).first()

    def check_change(self, instance, data) -> None:
        """Refuse a change the token's scopes do not cover (raises PermissionDenied)."""

    def extra_save(self, data) -> dict:
        return {}

    def after_change(self, obj, *, created: bool) -> None:
        pass


class CreditorUpsert(Upsert):
    """A creditor's token updates only its own creditor; its payment requisites need a separate scope."""

    model, serializer_class = Creditor, s.CreditorSerializer

    def check_change(self, instance, data) -> None:
        self.requisites_before = {k: getattr(instance, k, "") for k in REQUISITE_FIELDS} if instance else {}
        touched = [k for k in REQUISITE_FIELDS if k in data and self.requisites_before.get(k, "") != data[k]]
        if touched and not cast(ApiToken, self.request.auth).can_change_requisites:
            raise PermissionDenied(
                f"Changing the payment requisites ({', '.join(touched)}) needs the «change bank requisites» scope."
            )

    def after_change(self, obj, *, created: bool) -> None:
        after = {k: getattr(obj, k) for k in REQUISITE_FIELDS}
        if after != self.requisites_before:
            token = self.request.auth
            audit_record(
                action="creditor_requisites_changed",
                actor_kind=AuditEvent.ActorKind.API,
                obj=obj,
                before=self.requisites_before,
                after={**after, "token": str(token)},
                origin=Origin.of(self.request),
            )


class ProductUpsert(Upsert):
    model, serializer_class = Product, s.ProductSerializer


class OrganizationUpsert(Upsert):
    model, serializer_class, lookup_fallback = Organization, s.OrganizationSerializer, "inn"

    def fallback(self, value: Any) -> Any:
        found = super().fallback(value)
        if found is None and not self.scope.staff_wide:
            # A company nobody has claimed yet (it registered in the portal itself) may be claimed by
            # INN; a client of another creditor is linked to this one by staff in /admin/ only.
            other = Organization.objects.filter(inn=value).first()
            if other is not None:
                if other.external_id is None and not other.creditors.exists():
                    return other
                raise ValidationError({"inn": ["A client with this INN exists; staff link it to your creditor."]})
        return found

    def extra_save(self, data) -> dict:
        return {"data_as_of": timezone.now()}

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        response = super().put(request, external_id)
        creditor_id = self.scope.creditor_id  # None for a staff-wide token
        if creditor_id is not None:  # a claimed or unchanged client is linked too
            Organization.objects.get(pk=response.data["id"]).creditors.add(creditor_id)
        return response


class ContractUpsert(Upsert):
    model, serializer_class = Contract, s.ContractSerializer

    def after_change(self, obj, *, created: bool) -> None:
        # The contract's company is its creditor's client (what the creditor's tokens reach).
        obj.product.creditor.clients.add(obj.organization_id)
        if not created and self.previous.get("status") != obj.status:
            contract_status_changed(contract=obj)


class ChildUpsert(Upsert):
    """Rows of a contract carry its organization themselves."""

    def extra_save(self, data) -> dict:
        return {"organization_id": data["contract"].organization_id}


class LeasedItemUpsert(ChildUpsert):
    model, serializer_class = LeasedItem, s.LeasedItemSerializer


class InsurancePolicyUpsert(ChildUpsert):
    model, serializer_class = InsurancePolicy, s.InsurancePolicySerializer


def _contract(view: ScopedAPIView, external_id: str) -> Contract:
    contract = view.get_queryset(Contract).filter(external_id=_external_id(external_id)).first()
    if contract is None:
        raise NotFound(f"No contract with external id «{external_id}».")
    return contract


class ScheduleReplace(ScopedAPIView):
    """PUT /contracts/<external_id>/schedule/: the whole schedule, replaced atomically."""

    model = Contract

    @extend_schema(request=s.ScheduleSerializer, responses={200: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response({**schedules_replace([(contract, data["payments"])]), "warnings": data["warnings"]})


class SchedulesBulk(ScopedAPIView):
    """POST /schedules/: the schedules of many contracts in one call (thousands of rows), all or nothing."""

    @extend_schema(request=s.SchedulesBulkSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.SchedulesBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entries = serializer.validated_data["schedules"]
        wanted = [e["contract"] for e in entries]
        contracts = {c.external_id: c for c in self.get_queryset(Contract).filter(external_id__in=wanted)}
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


def _with_contracts(rows: list[dict], key: str, contracts: QuerySet[Contract]) -> list[dict]:
    """Resolve the rows' contract external ids in one query among the contracts the token reaches; an
    unknown one (or another creditor's) is a 400 naming the row."""
    found = {c.external_id: c for c in contracts.filter(external_id__in={r["contract"] for r in rows})}
    errors = {
        str(i): {"contract": [f"No object with external id «{r['contract']}»."]}
        for i, r in enumerate(rows)
        if r["contract"] not in found
    }
    if errors:
        raise ValidationError({key: errors})
    return [{**r, "contract": found[r["contract"]]} for r in rows]


def _ledger_call(write, *args, **kwargs):
    try:
        return write(*args, **kwargs)
    except LedgerError as exc:
        raise ValidationError(exc.errors) from exc


class PaymentsReceived(ScopedAPIView):
    """POST /payments/: payments received (upserted by external id), thousands per call, all or nothing.

    Each may say how the books split it between schedule lines and penalties (`allocations`); without
    it the portal pays the oldest due lines first. Every page, file and invoice changes at once."""

    @extend_schema(request=s.PaymentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.PaymentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["payments"], "payments", self.get_queryset(Contract))
        self.refuse_foreign_rows(PaymentReceived, rows, "payments")
        return Response(_ledger_call(payments_record, rows=rows))


class PaymentReversal(ScopedAPIView):
    """POST /payments/<external_id>/reversal/: the payment is reversed (сторно) from a date on."""

    model = PaymentReceived

    @extend_schema(
        request=s.ReversalSerializer,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: OK, **ERRORS},
    )
    def post(self, request: Request, external_id: str) -> Response:
        _external_id(external_id)
        payment = self.get_queryset().filter(external_id=external_id)
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


class PenaltiesPost(ScopedAPIView):
    """POST /penalties/: penalties (пени) by external id, with their basis; amount 0 removes one."""

    @extend_schema(request=s.PenaltiesSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.PenaltiesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["penalties"], "penalties", self.get_queryset(Contract))
        self.refuse_foreign_rows(Penalty, rows, "penalties")
        return Response(_ledger_call(penalties_upsert, rows=rows))


class AdjustmentsPost(ScopedAPIView):
    """POST /adjustments/: corrections of a contract's balance by external id; amount 0 removes one."""

    @extend_schema(request=s.AdjustmentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.AdjustmentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["adjustments"], "adjustments", self.get_queryset(Contract))
        self.refuse_foreign_rows(Adjustment, rows, "adjustments")
        return Response(_ledger_call(adjustments_upsert, rows=rows))


class DebtPut(ScopedAPIView):
    """PUT /contracts/<external_id>/debt/: the books' own overdue figure, shown next to the ledger's
    with its date; a difference is shown to the client, never hidden."""

    model = Contract

    @extend_schema(request=s.DebtSerializer, responses={200: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.DebtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        books_debt_put(contract=contract, **serializer.validated_data)

        check = contract_ledger(contract).books_check
        return Response(
            {
                "contract": external_id,
                "ledger_amount": str(check.ledger_amount) if check else None,
                "ledger_penalty": str(check.ledger_penalty) if check else None,
                "difference": str(check.difference) if check else None,
            }
        )


class BuyoutPut(ScopedAPIView):
    """PUT /contracts/<external_id>/buyout/: the early buyout value by date (график выкупной стоимости),
    replaced as a whole; an empty list removes it (the card then offers no buyout)."""

    model = Contract

    @extend_schema(request=s.BuyoutSerializer, responses={200: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.BuyoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {
                "contract": external_id,
                "values": buyout_replace(contract=contract, values=serializer.validated_data["values"]),
            }
        )


class DocumentUpload(ScopedAPIView):
    """POST /documents/ (multipart): an incoming document; `Idempotency-Key` makes a retry create one."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": s.DocumentUploadSerializer}, responses={200: OK, 201: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")[:128]
        token = cast(ApiToken, request.auth)  # `TokenAuthentication` sets it
        if key:
            done = IdempotentUpload.objects.filter(token=token, key=key).select_related("document").first()
            if done:
                return Response({"id": done.document_id, "external_id": done.document.external_id}, status=200)
        serializer = s.DocumentUploadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = self.get_queryset(Document).filter(external_id=data["external_id"]).first()
        if existing:
            return Response({"id": existing.pk, "external_id": existing.external_id}, status=200)
        if Document.objects.filter(external_id=data["external_id"]).exists():
            raise ValidationError({"external_id": "A document with this external id already exists."})
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
                    IdempotentUpload.objects.create(token=token, key=key, document=document)
        except IntegrityError as exc:
            raise ValidationError({"external_id": "A document with this external id already exists."}) from exc
        except Exception as exc:
            if hasattr(exc, "messages"):
                raise ValidationError({"file": exc.messages}) from exc
            raise
        return Response({"id": document.pk, "external_id": data["external_id"]}, status=201)


class EventFeed(ScopedAPIView):
    """GET /events/?after=<id>: what clients did, oldest first. Events become visible a few seconds after
    they are written, so a transaction still in flight cannot commit an id below the cursor unseen."""

    @extend_schema(
        parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
        responses={200: s.EventFeedSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
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
            self.get_queryset(ApiEvent)
            .filter(pk__gt=after, created_at__lte=horizon)
            .select_related("organization")
            .order_by("id")[:limit]
        )
        return Response(
            {
                "events": s.EventSerializer(events, many=True).data,
                "next": events[-1].pk if events else after,
            }
        )


class AppealStatus(ScopedAPIView):
    """POST /requests/<number>/status/: the same transition rules and notifications as the back office."""

    model = Appeal

    @extend_schema(request=s.StatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request, number: str) -> Response:
        appeal = self.get_queryset(Appeal).filter(number=number).first() if len(number) <= 32 else None
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


class RegistrationStatus(ScopedAPIView):
    """POST /registrations/<id>/status/: approve, or reject with a reason, as staff do in the back office."""

    model = Registration

    @extend_schema(request=s.RegistrationStatusSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        if pk >= 2**62 or not self.get_queryset(Registration).filter(pk=pk).exists():
            raise NotFound(f"No registration {pk}.")
        serializer = s.RegistrationStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            if data["status"] == "approved":
                registration = onboarding_services.registration_approve(
                    registration_id=pk, staff=None, actor_kind=AuditEvent.ActorKind.API
                )
            else:
                registration = onboarding_services.registration_reject(
                    registration_id=pk, staff=None, reason=data.get("reason", ""), actor_kind=AuditEvent.ActorKind.API
                )
        except onboarding_services.ServiceError as exc:
            raise ValidationError({exc.field or "status": exc.message}) from exc
        return Response({"id": registration.pk, "status": registration.status})
