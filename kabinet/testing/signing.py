"""Test helpers of the electronic signature: an organization ready to sign for a creditor (the agreement
accepted, the right given), a document put «на подпись», and signing with the code from the SMS outbox."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import challenge_code
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf
from kabinet.documents.models import Document
from kabinet.organizations.models import Membership
from kabinet.signatures import services
from kabinet.signatures.models import SignatureAgreement, SignatureRequest

ORIGIN = Origin(ip="192.0.2.10", user_agent="Test browser")


def agreement_for(creditor, version: int = 1) -> SignatureAgreement:
    agreement, _ = SignatureAgreement.objects.get_or_create(
        creditor=creditor,
        version=version,
        defaults={"title": "Соглашение об использовании ПЭП", "text": "Стороны признают ПЭП."},
    )
    return agreement


def signing_ready(org, creditor, admin, *signers) -> None:
    """The creditor's agreement accepted by the organization's administrator; `signers` may sign."""
    services.agreement_accept(org=org, actor=admin, agreement=agreement_for(creditor), origin=ORIGIN)
    for user in signers:
        membership = Membership.objects.get(organization=org, user=user)
        services.signing_right_set(org=org, actor=admin, membership=membership, allowed=True, origin=ORIGIN)


def pdf_document(org, *, title="Дополнительное соглашение", contract=None, lines=("Supplementary agreement",)):
    content = html_to_pdf("".join(f"<p>{line}</p>" for line in lines))
    document = Document(
        organization=org,
        doc_type="Допсоглашение",
        title=title,
        contract=contract,
        product=contract.product if contract else None,
        document_date=timezone.localdate(),
        original_name=f"{title}.pdf",
        content_type="application/pdf",
        size=len(content),
    )
    document.file.save(f"{title}.pdf", ContentFile(content), save=False)
    document.save()
    return document


def put_for_signature(document, *, signers: int = 1, creditor=None) -> SignatureRequest:
    return services.signature_request_create(
        document=document,
        signers_required=signers,
        deadline=timezone.now() + timedelta(days=5),
        creditor=creditor,
    )


def send_code(request: SignatureRequest, user) -> tuple[PhoneChallenge, str]:
    challenge = services.signature_code_send(request=request, actor=user, origin=ORIGIN)
    return challenge, challenge_code(challenge)


def sign(request: SignatureRequest, user):
    challenge, code = send_code(request, user)
    return services.signature_sign(request=request, actor=user, challenge_id=challenge.pk, code=code, origin=ORIGIN)
