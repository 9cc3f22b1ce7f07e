"""Integration API v1: the creditor's accounting system feeds the portal and reads what clients did.

Every write is an upsert by external id (the same call twice changes nothing), runs in one
transaction, and has the same side effects as the staff's edits (notifications, history).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.accounts.models import Registration
from kabinet.api import legacy
from kabinet.api import serializers as s
from kabinet.api.models import ApiEvent, ApiToken, IdempotentUpload
from kabinet.api.parsers import CheckedFormParser, CheckedMultiPartParser, DepthLimitedJSONParser
from kabinet.api.scoping import ScopedAPIView
from kabinet.appeals.models import Appeal
from kabinet.appeals.services import TransitionRefused, appeal_change_status
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.contracts.ledger import contract_ledger
from kabinet.contracts.models import (
    Adjustment,
    ClosingDocument,
    Contract,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
    Penalty,
)
from kabinet.contracts.services import (
    LedgerError,
    adjustments_upsert,
    books_debt_put,
    buyout_replace,
    contract_status_notify,
    payment_reverse,
    payment_unreverse,
    payments_record,
    penalties_upsert,
    schedules_replace,
)
from kabinet.contracts.services.closing import ClosingInput, VatPart, closing_document_put
from kabinet.contracts.services.notices import contract_recorded
from kabinet.contracts.services.records import contract_put, insurance_policy_put, leased_item_put
from kabinet.core.files import serve_private_file
from kabinet.core.net import Origin
from kabinet.creditors.models import REQUISITE_FIELDS, Creditor, Product
from kabinet.creditors.services import creditor_put, product_put
from kabinet.documents.closing import closing_document_delete, closing_file_put, library_entry_put
from kabinet.documents.models import Document
from kabinet.documents.services import documents_publish
from kabinet.onboarding import services as onboarding_services
from kabinet.organizations.models import Organization
from kabinet.organizations.services.organizations import organization_put
from kabinet.signatures.models import Signature, SignatureRequest
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.signatures.services import ServiceError as SignatureRefused
from kabinet.signatures.services import signature_request_create

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
    write: Callable[..., Any]  # the owning app's `<entity>_put(*, instance, data)` service
    lookup_fallback: str | None = None  # a natural key that finds a row made before it had an external id

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        _external_id(external_id)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        instance = self.get_queryset().filter(external_id=external_id).first()
        if instance is None:
            if self.scope.exists_anywhere(self.model, external_id=external_id) or not self.scope.may_create(self.model):
                raise NotFound(f"No object with external id «{external_id}».")
            if self.lookup_fallback and request.data.get(self.lookup_fallback):
                instance = self.fallback(request.data[self.lookup_fallback])
        serializer = self.serializer_class(instance, data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        self.previous = {k: getattr(instance, k) for k in serializer.validated_data} if instance else {}
        self.check_change(instance, serializer.validated_data)
        with transaction.atomic():
            changed = instance is None or any(getattr(instance, k) != v for k, v in serializer.validated_data.items())
            try:
                obj = self.write(instance=instance, data={**serializer.validated_data, "external_id": external_id})
            except DjangoValidationError as exc:  # model validators (INN checksum, VIN, accounts) as field errors
                raise ValidationError(getattr(exc, "message_dict", {"non_field_errors": exc.messages})) from exc
            if changed:
                self.after_change(obj, created=instance is None)
        body = {"external_id": external_id, "id": obj.pk, "created": instance is None, "changed": changed}
        return Response(body, status=status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK)

    def fallback(self, value: Any) -> Any:
        lookup: dict[str, Any] = {str(self.lookup_fallback): value, "external_id__isnull": True}
        return self.get_queryset().filter(**lookup).first()

    def check_change(self, instance, data) -> None:
        """Refuse a change the token's scopes do not cover (raises PermissionDenied)."""

    def after_change(self, obj, *, created: bool) -> None:
        pass


class CreditorUpsert(Upsert):
    """A creditor's token updates only its own creditor; its payment requisites need a separate scope."""

    model, serializer_class, write = Creditor, s.CreditorSerializer, staticmethod(creditor_put)

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
    model, serializer_class, write = Product, s.ProductSerializer, staticmethod(product_put)


class OrganizationUpsert(Upsert):
    model, serializer_class, lookup_fallback = Organization, s.OrganizationSerializer, "inn"
    write = staticmethod(organization_put)

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

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        response = super().put(request, external_id)
        creditor_id = self.scope.creditor_id  # None for a staff-wide token
        if creditor_id is not None:  # a claimed or unchanged client is linked too
            Organization.objects.get(pk=response.data["id"]).creditors.add(creditor_id)
        return response


class ContractUpsert(Upsert):
    model, serializer_class, write = Contract, s.ContractSerializer, staticmethod(contract_put)

    def check_change(self, instance, data) -> None:
        # Its schedule, payments, items, documents and invoices carry the organization too: moving the
        # contract alone would orphan them. A contract signed with another company is another contract.
        if instance is not None and "organization" in data and data["organization"].pk != instance.organization_id:
            raise ValidationError(
                {
                    "organization": [
                        "A contract cannot move to another organization: its schedule, payments, documents and "
                        "invoices stay with its client. Send the other company's contract under a new external id."
                    ]
                }
            )

    def after_change(self, obj, *, created: bool) -> None:
        # The contract's company is its creditor's client (what the creditor's tokens reach).
        obj.product.creditor.clients.add(obj.organization_id)
        contract_recorded(contract=obj, created=created)
        if not created and self.previous.get("status") != obj.status:
            contract_status_notify(contract=obj)


class LeasedItemUpsert(Upsert):
    model, serializer_class, write = LeasedItem, s.LeasedItemSerializer, staticmethod(leased_item_put)


class InsurancePolicyUpsert(Upsert):
    model, serializer_class, write = InsurancePolicy, s.InsurancePolicySerializer, staticmethod(insurance_policy_put)


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
        body, paid = legacy.schedule_paid_rows(request.data, external_id)  # 0.1.0's paid totals, until the end date
        serializer = s.ScheduleSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            result = schedules_replace(items=[(contract, data["payments"])])
            if paid:
                _ledger_call(legacy.record_rows, paid, self.get_queryset(Contract))
        headers = legacy.deprecation_headers() if paid else None
        return Response({**result, "warnings": data["warnings"]}, headers=headers)


class SchedulesBulk(ScopedAPIView):
    """POST /schedules/: the schedules of many contracts in one call (thousands of rows), all or nothing."""

    @extend_schema(request=s.SchedulesBulkSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        body, paid = legacy.schedule_paid_rows(request.data)  # 0.1.0's paid totals, until the end date
        serializer = s.SchedulesBulkSerializer(data=body)
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
        with transaction.atomic():
            result = schedules_replace(items=[(contracts[e["contract"]], e["payments"]) for e in entries])
            if paid:
                _ledger_call(legacy.record_rows, paid, self.get_queryset(Contract))
        headers = legacy.deprecation_headers() if paid else None
        return Response({**result, "warnings": warnings}, headers=headers)


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
    it the portal pays the oldest due lines first. Every page, file and invoice changes at once.

    Deprecated, accepted until 30.06.2027: release 0.1.0's body, rows of `contract`, `number`,
    `paid_amount` (the line's paid total) and `paid_date`, recorded as a payment of the difference
    (answers carry `Deprecation` and `Sunset`; see CHANGELOG.md)."""

    @extend_schema(request=s.PaymentsSerializer, responses={200: s.PaymentsAnswerSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        if legacy.is_legacy_body(request.data):  # the body of releases up to 0.1.0, until its end date
            return _ledger_call(legacy.record, request.data, self.get_queryset(Contract))
        serializer = s.PaymentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["payments"], "payments", self.get_queryset(Contract))
        self.refuse_foreign_rows(PaymentReceived, rows, "payments")
        return Response(_ledger_call(payments_record, rows=rows))


class _OnePayment(ScopedAPIView):
    model = PaymentReceived

    def payment_of(self, request: Request, external_id: str) -> PaymentReceived:
        """The payment with this external id the token reaches (`contract` names it when two contracts
        share the id)."""
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
        return found[0]


class PaymentReversal(_OnePayment):
    """POST /payments/<external_id>/reversal/: the payment is reversed (сторно) from a date on. Sending
    the payment again to POST /payments/ keeps the reversal; /unreverse/ undoes it."""

    @extend_schema(
        request=s.ReversalSerializer,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: OK, **ERRORS},
    )
    def post(self, request: Request, external_id: str) -> Response:
        found = self.payment_of(request, external_id)
        serializer = s.ReversalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = _ledger_call(
            payment_reverse,
            org_id=found.organization_id,
            external_id=external_id,
            reversed_on=serializer.validated_data["reversed_on"],
            document_number=serializer.validated_data["document_number"],
        )
        return Response({"external_id": external_id, "reversed_on": payment.reversed_on})


class PaymentUnreverse(_OnePayment):
    """POST /payments/<external_id>/unreverse/: the books cancelled a reversal; the payment pays again
    from its date on. Answers `"unchanged": 1` for a payment that is not reversed (nothing written)."""

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: s.UnreverseAnswerSerializer, **ERRORS},
    )
    def post(self, request: Request, external_id: str) -> Response:
        found = self.payment_of(request, external_id)
        _payment, changed = _ledger_call(payment_unreverse, org_id=found.organization_id, external_id=external_id)
        return Response(
            {"external_id": external_id, "reversed_on": None, "updated": int(changed), "unchanged": int(not changed)}
        )


class PenaltiesPost(ScopedAPIView):
    """POST /penalties/: penalties (пени) by external id, with their basis; amount 0 writes one off as a
    dated credit entry."""

    @extend_schema(request=s.PenaltiesSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.PenaltiesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["penalties"], "penalties", self.get_queryset(Contract))
        self.refuse_foreign_rows(Penalty, rows, "penalties")
        return Response(_ledger_call(penalties_upsert, rows=rows))


class AdjustmentsPost(ScopedAPIView):
    """POST /adjustments/: corrections of a contract's balance by external id; amount 0 removes one as
    a dated reversal entry (never a deletion: an акт сверки of an earlier period stays as it was)."""

    @extend_schema(request=s.AdjustmentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.AdjustmentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["adjustments"], "adjustments", self.get_queryset(Contract))
        self.refuse_foreign_rows(Adjustment, rows, "adjustments")
        return Response(_ledger_call(adjustments_upsert, rows=rows))


class DebtPut(ScopedAPIView):
    """PUT /contracts/<external_id>/debt/: the books' own overdue figure on a date, as one amount or per
    VAT rate (`lines`). Rolled forward to today (+ charges falling due since − credits received since)
    it is the contract's debt the portal shows and invoices; the answer gives it (`debt_today`) and the
    part the portal cannot break down (`not_itemized`)."""

    model = Contract

    @extend_schema(request=s.DebtSerializer, responses={200: s.DebtAnswerSerializer, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.DebtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        books_debt_put(contract=contract, **serializer.validated_data)

        state = contract_ledger(contract)
        check, figure = state.books_check, state.books_figure
        return Response(
            {
                "contract": external_id,
                "ledger_amount": str(check.ledger_amount) if check else None,
                "ledger_penalty": str(check.ledger_penalty) if check else None,
                "difference": str(check.difference) if check else None,
                "debt_today": str(figure.headline) if figure else None,
                "not_itemized": str(figure.residual) if figure else None,
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


class _Replay(Exception):
    """Another request with the same Idempotency-Key got there first: answer what it answered."""


class DocumentUpload(ScopedAPIView):
    """POST /documents/ (multipart): an incoming document; `Idempotency-Key` makes a retry create one.

    The key is claimed first, inside the upload's transaction: a concurrent request with the same key
    waits on that row (its unique index) until the first commits, then answers the first's answer, so
    N simultaneous tries give one 201 and N-1 × 200 with the same body."""

    parser_classes = [CheckedMultiPartParser, CheckedFormParser, DepthLimitedJSONParser]

    @extend_schema(
        request={"multipart/form-data": s.DocumentUploadSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Up to 128 characters; a repeat (even a simultaneous one) creates nothing and answers "
                "200 with the first upload's body.",
            )
        ],
        responses={200: OK, 201: OK, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")[:128]
        token = cast(ApiToken, request.auth)  # `TokenAuthentication` sets it
        if key and (done := self._answer_of(token, key)) is not None:
            return done
        serializer = s.DocumentUploadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = self.get_queryset(Document).filter(external_id=data["external_id"]).first()
        if existing:
            return Response({"id": existing.pk, "external_id": existing.external_id}, status=200)
        if self.scope.exists_anywhere(Document, external_id=data["external_id"]):
            raise ValidationError({"external_id": "A document with this external id already exists."})
        try:
            with transaction.atomic():
                claim = self._claim(token, key) if key else None
                document = documents_publish(
                    org=data["organization"],
                    contract=data.get("contract"),
                    files=[data["file"]],
                    doc_type=data["doc_type"],
                    category=data["category"],
                    document_date=data["document_date"],
                )[0]
                document.external_id, document.title = data["external_id"], data["title"]
                document.save(update_fields=["external_id", "title"])
                signature = self._put_for_signature(token, document, data)
                if claim is not None:
                    claim.document = document
                    claim.save(update_fields=["document"])
        except SignatureRefused as exc:
            raise ValidationError({exc.field or "signature_required": [exc.message]}) from exc
        except _Replay:
            return self._answer_of(token, key) or Response({"detail": "The same upload is in progress."}, status=409)
        except IntegrityError as exc:
            raise ValidationError({"external_id": "A document with this external id already exists."}) from exc
        except Exception as exc:
            if hasattr(exc, "messages"):
                raise ValidationError({"file": exc.messages}) from exc
            raise
        body: dict[str, Any] = {"id": document.pk, "external_id": data["external_id"]}
        if signature is not None:
            body["signature_request"] = {
                "id": signature.public_id,
                "status": signature.status,
                "signers_required": signature.signers_required,
                "deadline": signature.deadline.isoformat(),
            }
        return Response(body, status=201)

    @staticmethod
    def _put_for_signature(token: ApiToken, document: Document, data: dict):
        """`signature_required`: the document goes «на подпись» in the upload's transaction, as the
        token's creditor's (a staff-wide token: the contract's or product's creditor)."""
        if not data.get("signature_required"):
            return None
        return signature_request_create(
            document=document,
            signers_required=data["signers_required"],
            deadline=data["signature_deadline"],
            creditor=token.creditor if token.kind == ApiToken.Kind.CREDITOR else None,
            actor_kind=AuditEvent.ActorKind.API,
        )

    @staticmethod
    def _claim(token: ApiToken, key: str) -> IdempotentUpload:
        try:
            with transaction.atomic():  # a savepoint: the unique index waits for a concurrent claim's commit
                return IdempotentUpload.objects.create(token=token, key=key)
        except IntegrityError:
            raise _Replay from None

    @staticmethod
    def _answer_of(token: ApiToken, key: str) -> Response | None:
        done = IdempotentUpload.objects.filter(token=token, key=key, document__isnull=False)
        row = done.values_list("document_id", "document__external_id").first()
        return Response({"id": row[0], "external_id": row[1]}, status=200) if row else None


class EventFeed(ScopedAPIView):
    """GET /events/?after=<id>: what clients did, oldest first. Events become visible a few seconds after
    they are written, so a transaction still in flight cannot commit an id below the cursor unseen."""

    @extend_schema(
        description=(
            "The events the token may read, oldest first: one about a request or document on a contract "
            "(or product) only for that contract's creditor; a registration or support message for every "
            "creditor of the client; `document.signed` (one per signature; `status` is `signed` once every signer "
            "needed has signed) and `document.signature_refused` only for the creditor that put the document "
            "for signature. `document.signed` and `document.signature_refused` carry `document_kind`: `document`, or "
            "`reconciliation_act` (the client's акт сверки it signed and sent to that creditor; `document.id` is its "
            "PDF). `document.signed` carries `signature_kind`: `simple` (an SMS code) or `qualified` (a "
            "КЭП verified in the portal: `certificate` with `owner`, `organization`, `inn`, `inn_le`, `ogrn`, "
            "`snils`, `issuer`, `serial`, `valid_from`, `valid_to`; `digest_algorithm`, `message_digest`, "
            "`document_sha256`, `signed_at`, and `chain_checked: false` — the certificate's chain to an accredited "
            "root is not checked); a КЭП reaches the creditor of the document's contract or product. "
            "The same events are POSTed to the token's webhook as the same JSON "
            "object (`id`, `kind`, `created_at`, `organization`, `payload`) with the headers "
            '`Kabinet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (keyed with the '
            "token's webhook secret; refuse a `t` more than 5 minutes off and an `id` seen before), "
            "`X-Kabinet-Event`, `X-Kabinet-Delivery`, `Idempotency-Key`, and until 2027-06-30 the legacy "
            "`X-Kabinet-Signature: sha256=<HMAC-SHA256 of the body>`."
        ),
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


class ClosingDocumentPut(ScopedAPIView):
    """PUT /closing-documents/<external_id>/: a closing document (УПД, счёт-фактура, акт, корректировочный)
    with its VAT per rate; the same call twice changes nothing. Found by the creditor and the external id,
    else by the creditor, kind, number and date (a document sent before under another id, or none).
    DELETE withdraws it with its files. The PDF and the ФНС XML are POSTed to `…/pdf/` and `…/xml/`."""

    model = ClosingDocument

    def _creditor_id(self, data) -> int:
        if self.scope.creditor_id is not None:
            if data.get("creditor") is not None and data["creditor"].pk != self.scope.creditor_id:
                raise ValidationError({"creditor": ["Another creditor."]})
            return self.scope.creditor_id
        if data.get("creditor") is not None:
            return data["creditor"].pk
        if data.get("contract") is not None:
            return data["contract"].product.creditor_id
        raise ValidationError({"creditor": ["Required with a back-office token when no contract is given."]})

    @extend_schema(request=s.ClosingDocumentSerializer, responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        _external_id(external_id)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        serializer = s.ClosingDocumentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        creditor_id = self._creditor_id(data)
        contract = data.get("contract")
        if contract is not None and contract.product.creditor_id != creditor_id:
            raise ValidationError({"contract": ["The contract is another creditor's."]})
        lines = []
        if data["lines"]:
            found = {p.external_id: p for p in contract.payments.filter(external_id__in=data["lines"])}
            missing = {str(i): ["No such line in the contract."] for i, x in enumerate(data["lines"]) if x not in found}
            if missing:
                raise ValidationError({"lines": missing})
            lines = list(found.values())
        mine = self.get_queryset().filter(creditor_id=creditor_id)
        instance = mine.filter(external_id=external_id).first()
        if instance is None and self.scope.exists_anywhere(ClosingDocument, external_id=external_id):
            # Another creditor's id, like every other upsert: «not found», never a second row.
            raise NotFound(f"No closing document with external id «{external_id}».")
        if instance is None:
            same = mine.filter(kind=data["kind"], number=data["number"], date=data["date"]).first()
            if same is not None and same.external_id not in (None, external_id):
                raise ValidationError({"number": ["Another document of this kind, number and date exists."]})
            instance = same
        if instance is not None and instance.organization_id != data["organization"].pk:
            raise ValidationError({"organization": ["The document was sent for another organization."]})
        parts = [VatPart(p["rate"], p["vat"], p["amount"]) for p in data["vat"]]
        write = ClosingInput(
            organization_id=data["organization"].pk,
            creditor_id=creditor_id,
            kind=data["kind"],
            number=data["number"],
            date=data["date"],
            amount=data["amount"],
            contract=contract,
            period_start=data["period_start"],
            period_end=data["period_end"],
            vat=parts,
            lines=lines,
        )
        try:
            with transaction.atomic():
                document, changed = closing_document_put(instance=instance, external_id=external_id, data=write)
                if changed and document.pdf.name:
                    library_entry_put(document)
        except IntegrityError as exc:
            raise ValidationError({"number": ["Another document of this kind, number and date exists."]}) from exc
        body = {"external_id": external_id, "id": document.pk, "created": instance is None, "changed": changed}
        return Response(body, status=status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK)

    @extend_schema(responses={200: OpenApiResponse(description="Withdrawn: {external_id, deleted}."), **ERRORS})
    def delete(self, request: Request, external_id: str) -> Response:
        document = self.get_queryset().filter(external_id=external_id).first()
        if document is None:
            raise NotFound(f"No closing document with external id «{external_id}».")
        closing_document_delete(document)
        return Response({"external_id": external_id, "deleted": True})


class ClosingDocumentFile(ScopedAPIView):
    """POST /closing-documents/<external_id>/pdf/ or …/xml/ (multipart, `file`): the document's PDF or
    ФНС XML, replacing the previous one (the same file again changes nothing the client sees)."""

    model = ClosingDocument
    parser_classes = [CheckedMultiPartParser, CheckedFormParser]

    @extend_schema(request={"multipart/form-data": s.ClosingFileSerializer}, responses={200: OK, **ERRORS})
    def post(self, request: Request, external_id: str, which: str) -> Response:
        document = self.get_queryset().select_related("contract").filter(external_id=external_id).first()
        if document is None:
            raise NotFound(f"No closing document with external id «{external_id}».")
        serializer = s.ClosingFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            closing_file_put(document, which=which, uploaded=serializer.validated_data["file"])
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        return Response({"external_id": external_id, "id": document.pk, which: True})


class _DocumentSignaturesBase(ScopedAPIView):
    """A document the token reaches (another creditor's is a 404, as one that does not exist)."""

    model = Document
    http_method_names = ["get", "head", "options"]

    def document_of(self, pk: int) -> Document:
        document = (
            self.get_queryset().only("pk", "organization_id", "external_id", "title").filter(pk=pk).first()
            if pk < 2**62
            else None
        )
        if document is None:
            raise NotFound(f"No document with id {pk}.")
        return document


class DocumentSignatures(_DocumentSignaturesBase):
    """GET /documents/<id>/signatures/: a document's requests «на подпись», its simple signatures (ПЭП by an
    SMS code) and its qualified ones (КЭП, `.sig` files uploaded by the client, with the certificate's
    fields and the verdict). A creditor's token reads the requests and simple signatures it put, and every
    КЭП of a document it reaches."""

    @extend_schema(responses={200: s.DocumentSignaturesSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        document = self.document_of(pk)
        requests = SignatureRequest.objects.for_org_id(document.organization_id).filter(document=document)
        if self.scope.creditor_id is not None:
            requests = requests.filter(creditor_id=self.scope.creditor_id)
        requests = requests.order_by("created_at", "id")
        simple = (
            Signature.objects.for_org_id(document.organization_id)
            .filter(request__in=requests)
            .select_related("request")
            .order_by("signed_at", "id")
        )
        qualified = (
            QualifiedSignature.objects.for_org_id(document.organization_id)
            .filter(document=document)
            .select_related("signature_request")
            .order_by("created_at", "id")
        )
        data = {
            "document": document,
            "requests": list(requests),
            "simple": list(simple),
            "qualified": list(qualified),
        }
        return Response(s.DocumentSignaturesSerializer(data).data)


class DocumentQualifiedSignatureFile(_DocumentSignaturesBase):
    """GET /documents/<id>/signatures/qualified/<signature id>/file/: the `.sig` file as uploaded."""

    @extend_schema(responses={(200, "application/pkcs7-signature"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request: Request, pk: int, signature_pk: int):
        document = self.document_of(pk)
        record = (
            QualifiedSignature.objects.for_org_id(document.organization_id)
            .filter(document=document, pk=signature_pk)
            .first()
            if signature_pk < 2**62
            else None
        )
        if record is None:
            raise NotFound(f"No qualified signature with id {signature_pk} of this document.")
        return serve_private_file(record.signature_file, record.original_name, "application/pkcs7-signature")
