"""Writes of the simple electronic signature: accepting the creditor's agreement, «Право подписи»,
putting a document «на подпись», sending the signing code, signing and refusing.

Each takes the actor and an `Origin`, runs in one transaction and raises `ServiceError` (a Russian
message, the field it belongs to). The SMS code is the accounts app's (`challenge_issue` /
`challenge_verify`: the same resend interval, daily and per-IP limits and attempt count as sign-in
codes; codes are never held by quiet hours). The stored file is never altered: a signature records the
file's SHA-256, and every later signature must be of the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import ServiceError, challenge_issue, challenge_verify
from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.audit.services import audit_record, record_event
from kabinet.core.links import absolute_url
from kabinet.core.net import Origin
from kabinet.creditors.models import Creditor
from kabinet.documents.models import Document
from kabinet.documents.services import UploadInput, documents_upload
from kabinet.notifications.models import Notification
from kabinet.notifications.services import notice_send
from kabinet.organizations.models import Membership, Organization
from kabinet.signatures import exports
from kabinet.signatures.models import (
    AgreementAcceptance,
    Signature,
    SignatureAgreement,
    SignatureCode,
    SignatureRefusal,
    SignatureRequest,
    SigningRight,
)
from kabinet.signatures.qualified_models import QualifiedSignature

__all__ = [
    "ServiceError",
    "agreement_accept",
    "agreement_current",
    "document_sha256",
    "has_signed",
    "hash_matches",
    "may_sign_check",
    "may_sign_for",
    "signature_code_send",
    "signature_refuse",
    "signature_request_check",
    "signature_request_create",
    "signature_requests_expire",
    "signature_sign",
    "signed_count",
    "signer_check",
    "signing_right_set",
]


def document_sha256(document: Document) -> str:
    """The SHA-256 of the stored file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with document.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def agreement_current(creditor_id: int) -> SignatureAgreement | None:
    """The creditor's agreement in force: its highest version."""
    return SignatureAgreement.objects.filter(creditor_id=creditor_id).order_by("-version").first()


def signed_count(request: SignatureRequest) -> int:
    """How many signers have signed the request: each simple signature and each verified КЭП counted
    toward it (`QualifiedSignature.signature_request`, one a signer)."""
    simple = Signature.objects.for_org_id(request.organization_id).filter(request=request).count()
    return (
        simple
        + QualifiedSignature.objects.for_org_id(request.organization_id).filter(signature_request=request).count()
    )


def has_signed(request: SignatureRequest, user) -> bool:
    """Whether the user's ПЭП or КЭП already counts toward the request."""
    org_id = request.organization_id
    return (
        Signature.objects.for_org_id(org_id).filter(request=request, signer=user).exists()
        or QualifiedSignature.objects.for_org_id(org_id).filter(signature_request=request, uploaded_by=user).exists()
    )


def may_sign_for(org: Organization, user) -> bool:
    """An active employee of the organization with «Право подписи»."""
    membership = _active_membership(org, user)
    return membership is not None and SigningRight.objects.for_org(org).filter(membership=membership).exists()


def _active_membership(org: Organization, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.for_org(org).filter(user=user, status=Membership.Status.ACTIVE).first()


def _person(user) -> str:
    return user.full_name or str(user.phone)


# ---------------------------------------------------------------------------------------------
# The agreement and the right to sign


def agreement_accept(*, org: Organization, actor, agreement: SignatureAgreement, origin: Origin) -> AgreementAcceptance:
    """The organization's administrator accepts the agreement's version; a second acceptance is the first."""
    membership = _active_membership(org, actor)
    if membership is None or not membership.is_admin:
        raise ServiceError(_("Only the organization's administrator can accept the agreement."))
    current = agreement_current(agreement.creditor_id)
    if current is None or current.pk != agreement.pk:
        raise ServiceError(_("This version of the agreement is no longer in force. Read the current one."))
    with transaction.atomic():
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            organization=org,
            agreement=agreement,
            defaults={"version": agreement.version, "accepted_by": actor, "ip": origin.ip},
        )
        if created:
            audit_record(
                action="signature_agreement_accepted",
                organization=org,
                actor=actor,
                obj=acceptance,
                after={"title": agreement.title, "version": agreement.version},
                origin=origin,
            )
    return acceptance


def signing_right_set(*, org: Organization, actor, membership: Membership, allowed: bool, origin: Origin) -> bool:
    """Give or take «Право подписи» of an employee of the organization (its administrator only)."""
    admin = _active_membership(org, actor)
    if admin is None or not admin.is_admin:
        raise ServiceError(_("Only the organization's administrator can change the right to sign."))
    if membership.organization_id != org.pk:
        raise ServiceError(_("No such employee in the organization."), field="membership")
    if allowed and membership.status != Membership.Status.ACTIVE:
        raise ServiceError(_("Only an active employee can be given the right to sign."), field="membership")
    with transaction.atomic():
        existing = SigningRight.objects.for_org(org).filter(membership=membership).first()
        if (existing is not None) == allowed:
            return allowed
        if allowed:
            SigningRight.objects.create(organization=org, membership=membership, granted_by=actor)
        else:
            assert existing is not None  # checked above: the right exists and is taken away
            existing.delete()
        audit_record(
            action="signing_right_changed",
            organization=org,
            actor=actor,
            obj=membership,
            before={"user": _person(membership.user), "signing_right": not allowed},
            after={"user": _person(membership.user), "signing_right": allowed},
            origin=origin,
        )
    return allowed


# ---------------------------------------------------------------------------------------------
# Requests


def _creditor_of(document: Document, creditor: Creditor | None) -> Creditor:
    if document.contract_id is not None:
        return document.contract.product.creditor  # type: ignore[union-attr]  # a contract has a product
    if document.product_id is not None:
        return document.product.creditor  # type: ignore[union-attr]
    if creditor is not None:
        return creditor
    creditors = list(Creditor.objects.filter(clients=document.organization_id)[:2])
    if len(creditors) == 1:
        return creditors[0]
    raise ServiceError(_("Choose the creditor whose document this is."), field="creditor")


def signature_request_check(
    *, document: Document, signers_required: int, deadline: datetime, creditor: Creditor | None = None
) -> Creditor:
    """What `signature_request_create` refuses, checked without writing (forms call it): the creditor."""
    if signers_required not in (1, 2):
        raise ServiceError(_("One or two signers can be asked for."), field="signers_required")
    if deadline <= timezone.now():
        raise ServiceError(_("The deadline must be in the future."), field="deadline")
    owner = _creditor_of(document, creditor)
    pending = SignatureRequest.objects.for_org_id(document.organization_id).filter(
        document=document, status=SignatureRequest.Status.PENDING
    )
    if pending.exists():
        raise ServiceError(_("The document is already awaiting signature."), field="document")
    return owner


def signature_request_create(
    *,
    document: Document,
    signers_required: int,
    deadline: datetime,
    actor=None,
    actor_kind: str = AuditEvent.ActorKind.STAFF,
    creditor: Creditor | None = None,
    origin: Origin | None = None,
    kind: str = SignatureRequest.Kind.DOCUMENT,
) -> SignatureRequest:
    """Put a document «на подпись» (the lessor's staff or the books through the API); the employees who
    may sign are told."""
    org = document.organization
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).first()  # one pending request a document
        owner = signature_request_check(
            document=document, signers_required=signers_required, deadline=deadline, creditor=creditor
        )
        request = SignatureRequest.objects.create(
            organization=org,
            document=document,
            creditor=owner,
            signers_required=signers_required,
            deadline=deadline,
            kind=kind,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_record(
            action="signature_requested",
            organization=org,
            actor=actor,
            actor_kind=actor_kind,
            obj=request,
            after={
                "title": document.title,
                "signers_required": signers_required,
                "deadline": deadline.isoformat(),
            },
            origin=origin,
        )
        signers = [
            right.membership.user
            for right in SigningRight.objects.for_org(org)
            .filter(membership__status=Membership.Status.ACTIVE)
            .select_related("membership__user")
        ]
        if signers:
            notice_send(
                org=org,
                users=signers,
                kind=Notification.Kind.NEW_DOCUMENT,
                title=_("Document awaiting your signature: %(title)s") % {"title": document.title},
                body=_("Sign by %(deadline)s.") % {"deadline": timezone.localtime(deadline).strftime("%d.%m.%Y %H:%M")},
                link=reverse("signatures:sign", args=[request.pk]),
            )
    return request


def signature_requests_expire(now: datetime | None = None) -> int:
    """Mark «просрочен» every request still awaiting signatures past its deadline (a daily job)."""
    moment = now or timezone.now()
    return SignatureRequest.objects.filter(status=SignatureRequest.Status.PENDING, deadline__lte=moment).update(
        status=SignatureRequest.Status.EXPIRED, completed_at=moment
    )


# ---------------------------------------------------------------------------------------------
# Signing


def _may_sign(request: SignatureRequest, actor) -> SignatureAgreement:
    """Every rule a signer must meet, in the order a signer would fix them; the agreement in force."""
    if request.status != SignatureRequest.Status.PENDING:
        raise ServiceError(
            _("The document is not awaiting signature: %(status)s.") % {"status": request.get_status_display()}
        )
    if request.deadline <= timezone.now():
        raise ServiceError(_("The deadline for signing has passed."))
    agreement = signer_check(org=request.organization, creditor_id=request.creditor_id, actor=actor)
    # A ПЭП or a КЭП of this signer already counts toward the request.
    if has_signed(request, actor):
        raise ServiceError(_("You have already signed this document."))
    return agreement


def signer_check(*, org: Organization, creditor_id: int, actor) -> SignatureAgreement:
    """Whether this user may sign the creditor's documents for the organization: the creditor's agreement
    published and accepted, the user's «Право подписи». Reads only; raises the reason in Russian."""
    agreement = agreement_current(creditor_id)
    if agreement is None:
        raise ServiceError(_("The lessor has not published an agreement on the electronic signature yet."))
    if not AgreementAcceptance.objects.for_org(org).filter(agreement=agreement).exists():
        raise ServiceError(
            _(
                "The organization has not accepted the agreement on the electronic signature "
                "(version %(version)s): its administrator accepts it in «Настройки»."
            )
            % {"version": agreement.version}
        )
    if not may_sign_for(org, actor):
        raise ServiceError(_("You have no right to sign for the organization: its administrator gives it."))
    return agreement


def may_sign_check(request: SignatureRequest, actor) -> None:
    """Raise the reason this user cannot sign the request now (pages say it before «Подписать»). Reads only."""
    _may_sign(request, actor)


def hash_matches(request: SignatureRequest, sha256: str) -> None:
    if request.document_sha256 and request.document_sha256 != sha256:
        raise ServiceError(
            _(
                "The document's file has changed since the first signature: its SHA-256 is %(now)s, "
                "the signed one was %(then)s. It cannot be signed further."
            )
            % {"now": sha256, "then": request.document_sha256}
        )


def signature_code_send(*, request: SignatureRequest, actor, origin: Origin) -> PhoneChallenge:
    """Send the signer an SMS code for this request (the limits of every SMS code apply)."""
    _may_sign(request, actor)
    with transaction.atomic():
        challenge = challenge_issue(
            phone=str(actor.phone), purpose=PhoneChallenge.Purpose.SIGNATURE, user=actor, origin=origin
        )
        SignatureCode.objects.create(request=request, user=actor, challenge=challenge)
    return challenge


def _event_payload(request: SignatureRequest, document: Document) -> dict:
    return {
        "document": {"id": document.pk, "external_id": document.external_id, "title": document.title},
        "document_kind": str(request.kind),
        "signature_request": request.public_id,
        "status": request.status,
        "signers_required": request.signers_required,
        "document_sha256": request.document_sha256,
        "verification_url": absolute_url("signatures:verify", request.public_id),
    }


def signature_sign(*, request: SignatureRequest, actor, challenge_id: int, code: str, origin: Origin) -> Signature:
    """Sign with the SMS code. The rules and the file's hash are checked before the code is spent; a wrong
    code counts an attempt (kept even though the signing is refused); the signature is then written in
    one transaction, with the request locked so that two signers cannot both be «the first»."""
    _may_sign(request, actor)
    if not SignatureCode.objects.filter(request=request, user=actor, challenge_id=challenge_id).exists():
        raise ServiceError(_("Request a new code."), field="code")
    document = request.document
    sha256 = document_sha256(document)
    hash_matches(request, sha256)
    challenge = challenge_verify(challenge_id=challenge_id, code=code, origin=origin)
    with transaction.atomic():
        locked = SignatureRequest.objects.select_for_update().get(pk=request.pk)
        agreement = _may_sign(locked, actor)
        hash_matches(locked, sha256)
        now = timezone.now()
        signature = Signature.objects.create(
            organization=locked.organization,
            request=locked,
            signer=actor,
            signer_name=_person(actor),
            phone=str(actor.phone),
            signed_at=now,
            ip=origin.ip,
            user_agent=origin.user_agent[:255],
            document_sha256=sha256,
            agreement=agreement,
            agreement_version=agreement.version,
            code_hash=challenge.code_hash,
        )
        fields = ["status", "document_sha256", "completed_at", "updated_at"]
        locked.document_sha256 = locked.document_sha256 or sha256
        if signed_count(locked) >= locked.signers_required:
            locked.status, locked.completed_at = SignatureRequest.Status.SIGNED, now
        locked.save(update_fields=fields)
        payload = _event_payload(locked, document) | {
            "signature_kind": "simple",  # a КЭП is "qualified" (qualified_services)
            "signer": signature.signer_name,
            "signed_at": now.isoformat(),
            "signatures": signed_count(locked),
        }
        if locked.status == SignatureRequest.Status.SIGNED and document.appeal_id is not None:
            _attach_signed_copy(locked, document, actor, origin)
        record_event(
            action="document_signed",
            organization=locked.organization,
            actor=actor,
            obj=signature,
            after={"title": document.title, "document_sha256": sha256, "status": locked.status},
            origin=origin,
            event=ApiEvent.Kind.DOCUMENT_SIGNED,
            payload=payload,
            creditor_id=locked.creditor_id,
        )
    request.refresh_from_db()
    return signature


def _attach_signed_copy(request: SignatureRequest, document: Document, actor, origin: Origin) -> None:
    """A request's document (a filled template) signed by everyone: the copy with the signing sheet is
    attached to the same request, as the client's document."""
    try:
        content = exports.signed_copy_pdf(request)
    except ServiceError:
        return  # not a PDF: the signatures stand, there is no copy to attach
    stem = document.original_name.rsplit(".", 1)[0] or "document"
    documents_upload(
        org=request.organization,
        user=actor,
        files=[ContentFile(content, name=f"{stem} (с листом подписания).pdf")],
        data=UploadInput(doc_type=_("Signed document"), contract=document.contract, appeal=document.appeal),
        origin=origin,
    )


def signature_refuse(*, request: SignatureRequest, actor, reason: str, origin: Origin) -> SignatureRefusal:
    """«Отказаться от подписания»: a signer refuses, with a reason; the request ends as «отказ»."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why you refuse to sign."), field="reason")
    with transaction.atomic():
        locked = SignatureRequest.objects.select_for_update().get(pk=request.pk)
        _may_sign(locked, actor)
        refusal = SignatureRefusal.objects.create(
            organization=locked.organization,
            request=locked,
            user=actor,
            reason=reason[:2000],
            ip=origin.ip,
            user_agent=origin.user_agent[:255],
        )
        locked.status, locked.completed_at = SignatureRequest.Status.REFUSED, timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        document = locked.document
        record_event(
            action="document_signature_refused",
            organization=locked.organization,
            actor=actor,
            obj=refusal,
            after={"title": document.title, "reason": refusal.reason},
            origin=origin,
            event=ApiEvent.Kind.DOCUMENT_SIGNATURE_REFUSED,
            payload=_event_payload(locked, document) | {"refused_by": _person(actor), "reason": refusal.reason},
            creditor_id=locked.creditor_id,
        )
    request.refresh_from_db()
    return refusal
