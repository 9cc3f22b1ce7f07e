"""Writes and reads of the qualified electronic signature (КЭП): a member of the organization uploads a
`.sig` for one of its documents; the portal checks it (`qualified.verify_detached`) and keeps the file
and the verdict. A verified signature is «История изменений» and a `document.signed` event
(`signature_kind: "qualified"`) for the creditor whose document it is; a signature that does not hold
is kept too, with the reason, in «История изменений» only.

The certificate's chain to an accredited root and its revocation are not checked (see `qualified`)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.services import ServiceError
from kabinet.audit.models import ApiEvent
from kabinet.audit.services import audit_record, record_event
from kabinet.core.files import clean_filename
from kabinet.core.links import absolute_url
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.organizations.models import Membership
from kabinet.signatures.models import SignatureRequest
from kabinet.signatures.qualified import (
    MAX_DOCUMENT_BYTES,
    MAX_SIGNATURE_BYTES,
    SignatureFileError,
    Verification,
    verify_detached,
)
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.signatures.services import has_signed, hash_matches, may_sign_for, signed_count

__all__ = [
    "FIELD",
    "qualified_signature_upload",
    "qualified_signatures_of",
    "qualified_signatures_verified",
]

FIELD = "signature_file"


def qualified_signatures_of(document: Document) -> QuerySet[QualifiedSignature]:
    """Every КЭП uploaded for the document, newest first (its organization's pages)."""
    return QualifiedSignature.objects.for_org_id(document.organization_id).filter(document=document)


def qualified_signatures_verified(document: Document) -> QuerySet[QualifiedSignature]:
    """The verified ones only (the public verification page)."""
    return qualified_signatures_of(document).filter(verified=True).order_by("created_at", "id")


def _creditor_id(document: Document) -> int | None:
    """Whose document it is: its contract's or product's creditor; none for the organization's own file
    (then every creditor of the client hears of it, as of an uploaded document)."""
    if document.contract_id is not None:
        return document.contract.product.creditor_id  # type: ignore[union-attr]  # a contract has a product
    if document.product_id is not None:
        return document.product.creditor_id  # type: ignore[union-attr]
    return None


def _read_upload(upload) -> bytes:
    if upload.size is not None and upload.size > MAX_SIGNATURE_BYTES:
        raise ServiceError(
            _("The signature file is too large (more than %(size)s KB).") % {"size": MAX_SIGNATURE_BYTES // 1024},
            field=FIELD,
        )
    upload.seek(0)
    return upload.read(MAX_SIGNATURE_BYTES + 1)


def _read_document(document: Document) -> bytes:
    size = document.file.size
    if size > MAX_DOCUMENT_BYTES:
        raise ServiceError(
            _("The document is too large to check its signature in the portal (more than %(size)s MB).")
            % {"size": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            field=FIELD,
        )
    with document.file.open("rb") as handle:
        return handle.read()


def _latest_request(document: Document) -> SignatureRequest | None:
    return (
        SignatureRequest.objects.for_org_id(document.organization_id)
        .filter(document=document)
        .order_by("-created_at", "-id")
        .first()
    )


def _pending_request(document: Document, *, lock: bool = False) -> SignatureRequest | None:
    """The document's request awaiting signatures, if any (locked inside a transaction when asked)."""
    pending = SignatureRequest.objects.for_org_id(document.organization_id).filter(
        document=document, status=SignatureRequest.Status.PENDING
    )
    if lock:
        pending = pending.select_for_update()
    return pending.order_by("-created_at", "-id").first()


def _count_toward(record: QualifiedSignature, actor, sha256: str) -> SignatureRequest | None:
    """A verified КЭП by an employee with «Право подписи» (no agreement needed: a qualified signature is
    valid by law) is that signer's signature on the document's pending request, unless the signer has
    signed it already or its deadline has passed; the request is «подписан» once every signer needed
    has signed, by ПЭП or КЭП. Runs inside the upload's transaction, the request locked."""
    request = _pending_request(record.document, lock=True)
    if request is None or request.deadline <= timezone.now():
        return request
    hash_matches(request, sha256)
    if not may_sign_for(record.organization, actor) or has_signed(request, actor):
        return request
    record.signature_request = request
    record.save(update_fields=["signature_request", "updated_at"])
    request.document_sha256 = request.document_sha256 or sha256
    if signed_count(request) >= request.signers_required:
        request.status, request.completed_at = SignatureRequest.Status.SIGNED, timezone.now()
    request.save(update_fields=["status", "document_sha256", "completed_at", "updated_at"])
    return request


def _payload(record: QualifiedSignature, document: Document, request: SignatureRequest | None) -> dict:
    extra = (
        {"status": request.status, "signatures": signed_count(request)}
        if request is not None and record.signature_request_id is not None
        else {}
    )
    return extra | {
        "document": {"id": document.pk, "external_id": document.external_id, "title": document.title},
        "document_kind": request.kind if request is not None else SignatureRequest.Kind.DOCUMENT.value,
        "signature_kind": "qualified",
        "signer": record.signer_name,
        "signed_at": record.signing_time.isoformat() if record.signing_time else None,
        "uploaded_at": record.created_at.isoformat(),
        "document_sha256": record.document_sha256,
        "digest_algorithm": record.digest_algorithm,
        "message_digest": record.message_digest,
        "certificate": {
            "owner": record.signer_name,
            "organization": record.organization_name,
            "title": record.title,
            "inn": record.inn,
            "inn_le": record.inn_le,
            "ogrn": record.ogrn,
            "snils": record.snils,
            "issuer": record.issuer,
            "serial": record.certificate_serial,
            "valid_from": record.valid_from.isoformat() if record.valid_from else None,
            "valid_to": record.valid_to.isoformat() if record.valid_to else None,
        },
        # The mathematics is checked; the chain to an accredited root and revocation are not.
        "chain_checked": False,
        "signature_request": request.public_id if request is not None else None,
        "verification_url": absolute_url("signatures:verify", request.public_id) if request is not None else None,
    }


def _record(
    *, document: Document, actor, upload, raw: bytes, sha256: str, result: Verification, origin: Origin
) -> QualifiedSignature:
    cert = result.certificate
    name = clean_filename(getattr(upload, "name", "") or "signature.sig")[:255]
    record = QualifiedSignature(
        organization=document.organization,
        document=document,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        original_name=name,
        signature_sha256=hashlib.sha256(raw).hexdigest(),
        document_sha256=sha256,
        digest_algorithm=result.digest_algorithm,
        message_digest=result.message_digest.hex()[:128],
        verified=result.verified,
        failure=result.reason[:255],
        signing_time=result.signing_time,
        signer_name=cert.owner[:255],
        organization_name=cert.organization[:255],
        title=cert.title[:255],
        inn=cert.inn[:32],
        inn_le=cert.inn_le[:32],
        ogrn=(cert.ogrn or cert.ogrnip)[:32],
        snils=cert.snils[:32],
        email=cert.email[:255],
        issuer=cert.issuer[:255],
        certificate_serial=cert.serial[:64],
        valid_from=cert.valid_from,
        valid_to=cert.valid_to,
        ip=origin.ip,
        user_agent=origin.user_agent[:255],
    )
    record.signature_file.save(name, ContentFile(raw), save=False)
    record.save()
    return record


def qualified_signature_upload(*, document: Document, actor, upload, origin: Origin) -> QualifiedSignature:
    """Check an uploaded `.sig` against the document and keep it with the verdict.

    `ServiceError` (on the field `signature_file`, nothing kept) when the file is no signature the portal
    can check; otherwise the record, `verified` or not (`failure` says why). The same file uploaded again
    for the same document is the record already kept."""
    org = document.organization
    membership = Membership.objects.for_org(org).filter(user=actor, status=Membership.Status.ACTIVE).first()
    if membership is None:
        raise ServiceError(_("Only an employee of the organization can sign its documents."), field=FIELD)
    raw = _read_upload(upload)
    existing = (
        QualifiedSignature.objects.for_org(org)
        .filter(document=document, signature_sha256=hashlib.sha256(raw).hexdigest())
        .first()
    )
    if existing is not None:
        return existing
    content = _read_document(document)
    pending = _pending_request(document)
    if pending is not None and pending.deadline > timezone.now():  # a file changed since the first signature
        hash_matches(pending, hashlib.sha256(content).hexdigest())
    try:
        result = verify_detached(raw, [content], len(content))
    except SignatureFileError as exc:
        raise ServiceError(exc.message, field=FIELD) from exc
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        with transaction.atomic():
            record = _record(
                document=document, actor=actor, upload=upload, raw=raw, sha256=sha256, result=result, origin=origin
            )
            after = {
                "title": document.title,
                "signer": record.signer_name,
                "inn": record.inn_le or record.inn,
                "issuer": record.issuer,
                "document_sha256": sha256,
            }
            if record.verified:
                request = _count_toward(record, actor, sha256) or _latest_request(document)
                if record.signature_request_id is not None:
                    after["status"] = request.status  # type: ignore[union-attr]  # counted toward it
                record_event(
                    action="document_signed_qualified",
                    organization=org,
                    actor=actor,
                    obj=record,
                    after=after,
                    origin=origin,
                    event=ApiEvent.Kind.DOCUMENT_SIGNED,
                    payload=_payload(record, document, request),
                    creditor_id=_creditor_id(document),
                )
            else:
                audit_record(
                    action="qualified_signature_rejected",
                    organization=org,
                    actor=actor,
                    obj=record,
                    after=after | {"reason": record.failure},
                    origin=origin,
                )
    except IntegrityError:  # the same file uploaded twice at once: the first one is the record
        record = QualifiedSignature.objects.for_org(org).get(
            document=document, signature_sha256=hashlib.sha256(raw).hexdigest()
        )
    return record
