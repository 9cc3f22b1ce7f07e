"""The lessor's staff put a document «на подпись» in the back office, see the statuses, and edit the
agreement until an organization has accepted its version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.signatures.models import SignatureAgreement, SignatureRequest
from kabinet.testing.factories import ContractFactory
from kabinet.testing.signing import agreement_for, pdf_document, sign, signing_ready


@pytest.fixture
def staff_client(staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(staff)
    return client


def _when(delta: timedelta) -> dict:
    moment = timezone.localtime(timezone.now() + delta)
    return {"deadline_0": moment.strftime("%d.%m.%Y"), "deadline_1": moment.strftime("%H:%M:%S")}


def test_staff_put_a_document_for_signature_and_see_its_status(staff_client, org_a, products, admin_a, settings):
    settings.SMS_RESEND_INTERVAL = 0
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-7")
    document = pdf_document(org_a, contract=contract)
    past = staff_client.post(
        "/admin/signatures/signaturerequest/add/",
        {"document": document.pk, "signers_required": 1, **_when(-timedelta(hours=1))},
    )
    assert past.status_code == 200 and "Срок подписания должен быть в будущем" in past.content.decode()
    assert not SignatureRequest.objects.exists()
    response = staff_client.post(
        "/admin/signatures/signaturerequest/add/",
        {"document": document.pk, "signers_required": 1, **_when(timedelta(days=2))},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = SignatureRequest.objects.get()
    assert request.creditor == products["auto"].creditor and request.status == "pending"
    assert AuditEvent.objects.filter(action="signature_requested", actor_kind="staff").exists()
    assert "На подписи" in staff_client.get("/admin/signatures/signaturerequest/").content.decode()
    signing_ready(org_a, request.creditor, admin_a, admin_a)
    sign(request, admin_a)
    page = staff_client.get("/admin/signatures/signaturerequest/").content.decode()
    assert "Подписан" in page and "1 / 1" in page
    assert (
        "Админов Алексей"
        in staff_client.get(f"/admin/signatures/signaturerequest/{request.pk}/change/").content.decode()
    )


def test_an_accepted_agreement_version_is_read_only_a_new_text_is_a_new_version(staff_client, org_a, admin_a, creditor):
    agreement = agreement_for(creditor)
    edit = staff_client.post(
        f"/admin/signatures/signatureagreement/{agreement.pk}/change/",
        {"creditor": creditor.pk, "version": 1, "title": "Соглашение о ПЭП", "text": "Новый текст"},
    )
    assert edit.status_code == 302
    agreement.refresh_from_db()
    assert agreement.text == "Новый текст"
    signing_ready(org_a, creditor, admin_a)
    staff_client.post(
        f"/admin/signatures/signatureagreement/{agreement.pk}/change/",
        {"creditor": creditor.pk, "version": 1, "title": "Соглашение о ПЭП", "text": "Ещё текст"},
    )
    agreement.refresh_from_db()
    assert agreement.text == "Новый текст"
    assert SignatureAgreement.objects.count() == 1
