"""The books put a document «на подпись» through the integration API (`signature_required` on the document
upload), and hear of each signature and refusal: only the creditor whose document it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kabinet.api.models import ApiEvent, ApiToken
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.signatures import services
from kabinet.signatures.models import SignatureRequest
from kabinet.testing.factories import ContractFactory, CreditorFactory, ProductFactory
from kabinet.testing.signing import ORIGIN, sign, signing_ready


@pytest.fixture
def shared(org_a, admin_a, creditor, products, settings):
    """A client of two creditors: A's contract AL-A, B's contract AL-B."""
    settings.API_EVENT_LAG_SECONDS = 0
    settings.SMS_RESEND_INTERVAL = 0
    creditor_b = CreditorFactory(short_name="Бета-Лизинг")
    for c in (creditor, creditor_b):
        c.clients.add(org_a)
    org_a.external_id = "ORG-A"
    org_a.save(update_fields=["external_id"])
    contract_a = ContractFactory(organization=org_a, product=products["auto"], number="AL-A", external_id="C-A")
    contract_b = ContractFactory(
        organization=org_a, product=ProductFactory(creditor=creditor_b), number="AL-B", external_id="C-B"
    )
    tokens = {
        "A": ApiToken.issue(name="1С А", creditor=creditor, can_write=True),
        "B": ApiToken.issue(name="1С Б", creditor=creditor_b, can_write=True),
    }
    return {
        "contracts": {"A": contract_a, "B": contract_b},
        "tokens": tokens,
        "creditors": {"A": creditor, "B": creditor_b},
    }


def _upload(key: str, contract: str, external_id: str, **extra):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        "/api/v1/documents/",
        {
            "external_id": external_id,
            "organization": "ORG-A",
            "contract": contract,
            "category": "deal",
            "doc_type": "Допсоглашение",
            "title": f"Допсоглашение {external_id}",
            "document_date": "2026-03-31",
            "file": SimpleUploadedFile(f"{external_id}.pdf", simple_pdf(["Agreement"]), content_type="application/pdf"),
            **extra,
        },
    )


def test_a_document_uploaded_with_signature_required_is_put_for_signature(shared):
    deadline = timezone.now() + timedelta(days=7)
    response = _upload(
        shared["tokens"]["A"][1],
        "C-A",
        "DOC-S1",
        signature_required="true",
        signers_required="2",
        signature_deadline=deadline.isoformat(),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    request = SignatureRequest.objects.get(document__external_id="DOC-S1")
    assert body["signature_request"]["id"] == request.public_id
    assert (request.signers_required, request.creditor, request.status) == (2, shared["creditors"]["A"], "pending")


def test_signature_required_without_a_deadline_is_a_400_naming_it_and_writes_nothing(shared):
    response = _upload(shared["tokens"]["A"][1], "C-A", "DOC-S2", signature_required="true")
    assert response.status_code == 400
    assert "signature_deadline" in response.json()
    past = _upload(
        shared["tokens"]["A"][1],
        "C-A",
        "DOC-S3",
        signature_required="true",
        signers_required="3",
        signature_deadline=(timezone.now() + timedelta(days=1)).isoformat(),
    )
    assert past.status_code == 400 and "signers_required" in past.json()
    assert not Document.objects.filter(external_id__in=["DOC-S2", "DOC-S3"]).exists()


def test_signature_events_reach_only_the_creditor_whose_document_it_is(shared, org_a, admin_a):
    deadline = (timezone.now() + timedelta(days=7)).isoformat()
    for name in ("A", "B"):
        for suffix in ("sign", "refuse"):
            response = _upload(
                shared["tokens"][name][1],
                f"C-{name}",
                f"DOC-{name}-{suffix}",
                signature_required="true",
                signature_deadline=deadline,
            )
            assert response.status_code == 201, response.content
        signing_ready(org_a, shared["creditors"][name], admin_a, admin_a)
        sign(SignatureRequest.objects.get(document__external_id=f"DOC-{name}-sign"), admin_a)
        services.signature_refuse(
            request=SignatureRequest.objects.get(document__external_id=f"DOC-{name}-refuse"),
            actor=admin_a,
            reason=f"Не та сумма {name}",
            origin=ORIGIN,
        )
    kinds = {ApiEvent.Kind.DOCUMENT_SIGNED, ApiEvent.Kind.DOCUMENT_SIGNATURE_REFUSED}
    for name, (_, key) in shared["tokens"].items():
        feed = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/events/?after=0").json()["events"]
        about = sorted((e["kind"], e["payload"]["document"]["external_id"]) for e in feed if e["kind"] in kinds)
        assert about == [
            ("document.signature_refused", f"DOC-{name}-refuse"),
            ("document.signed", f"DOC-{name}-sign"),
        ], name
        signed = next(e for e in feed if e["kind"] == "document.signed")
        assert signed["payload"]["status"] == "signed" and len(signed["payload"]["document_sha256"]) == 64
