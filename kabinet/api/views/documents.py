"""Documents: uploads with their idempotency key, closing documents and their files, signatures."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.api import serializers as s
from kabinet.api.models import ApiToken, IdempotentUpload
from kabinet.api.parsers import CheckedFormParser, CheckedMultiPartParser, DepthLimitedJSONParser
from kabinet.api.scoping import ScopedAPIView
from kabinet.api.views.common import ERRORS, OK, _external_id
from kabinet.audit.models import AuditEvent
from kabinet.contracts.models import ClosingDocument
from kabinet.contracts.services.closing import ClosingInput, VatPart, closing_document_put
from kabinet.core.files import serve_private_file
from kabinet.documents.closing import closing_document_delete, closing_file_put, library_entry_put
from kabinet.documents.models import Document
from kabinet.documents.services import documents_publish
from kabinet.signatures.models import Signature, SignatureRequest
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.signatures.services import ServiceError as SignatureRefused
from kabinet.signatures.services import signature_request_create


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
