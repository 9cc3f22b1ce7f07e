"""«Подписать и отправить лизингодателю»: the акт сверки kept as the organization's accounting document
and put «на подпись» for the user in one transaction; refused (nothing written) without the right to sign
or the accepted agreement; out of another organization's reach; signed, it reaches only its creditor's
token as `document.signed` with `document_kind` "reconciliation_act"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from kabinet.api.models import ApiEvent, ApiToken
from kabinet.documents.models import Document
from kabinet.signatures import services as signatures
from kabinet.signatures.models import SignatureRequest
from kabinet.statements.tests.test_statement import END, START, d, pay
from kabinet.testing.factories import ContractFactory, CreditorFactory, ProductFactory, ScheduledPaymentFactory
from kabinet.testing.signing import agreement_for, pdf_document, put_for_signature, sign, signing_ready


@pytest.fixture
def books(org_a, products):
    """One contract of the creditor with a charge and a payment in the period."""
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-ST-1", external_id="A-1")
    ScheduledPaymentFactory(contract=contract, number=1, due_date=d(2, 1), amount=Decimal("122.00"))
    pay(contract, "AL-ST-1-12", d(2, 28), "100.00", "12")
    return (contract,)


def sign_post(client, contract="AL-ST-1"):
    return client.post(
        "/statements/sign/",
        {"date_from": START.isoformat(), "date_to": END.isoformat(), "contract": contract, "format": "pdf"},
    )


def written() -> tuple[int, int]:
    return Document.objects.count(), SignatureRequest.objects.count()


def test_the_act_is_kept_as_an_accounting_document_and_put_on_signature_for_the_user(
    client_a, books, org_a, admin_a, creditor
):
    signing_ready(org_a, creditor, admin_a, admin_a)
    response = sign_post(client_a)
    request = SignatureRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signatures/{request.pk}/"
    document = request.document
    assert (document.organization, document.contract, document.product) == (org_a, books[0], books[0].product)
    assert document.category == Document.Category.ACCOUNTING and document.doc_type == "Акт сверки"
    assert document.direction == Document.Direction.UPLOADED and document.uploaded_by == admin_a
    assert document.original_name.startswith("Акт сверки AL-ST-1") and document.content_type == "application/pdf"
    assert (request.kind, request.creditor, request.signers_required, request.status) == (
        SignatureRequest.Kind.RECONCILIATION_ACT,
        creditor,
        1,
        SignatureRequest.Status.PENDING,
    )
    page = client_a.get(response["Location"])
    assert page.status_code == 200 and "Акт сверки AL-ST-1" in page.content.decode()


def test_all_contracts_act_belongs_to_the_creditor_through_its_product(client_a, books, org_a, admin_a, creditor):
    signing_ready(org_a, creditor, admin_a, admin_a)
    assert sign_post(client_a, contract="").status_code == 302
    document = SignatureRequest.objects.get().document
    assert document.contract is None and document.product is not None and document.product.creditor == creditor


def test_document_and_request_are_one_transaction(client_a, books, org_a, admin_a, creditor, monkeypatch):
    signing_ready(org_a, creditor, admin_a, admin_a)

    def broken(**kwargs):
        raise RuntimeError("the request could not be written")

    monkeypatch.setattr(signatures, "signature_request_create", broken)
    with pytest.raises(RuntimeError):
        sign_post(client_a)
    assert written() == (0, 0)


def test_without_the_right_to_sign_or_the_agreement_the_page_says_why_and_writes_nothing(
    client_a, books, org_a, admin_a, creditor
):
    page = sign_post(client_a)
    assert page.status_code == 400
    assert "Лизинговая компания ещё не опубликовала соглашение" in page.content.decode()
    agreement_for(creditor)
    page = sign_post(client_a)
    assert "Организация не приняла соглашение" in page.content.decode()
    signing_ready(org_a, creditor, admin_a)  # accepted, but nobody may sign
    page = sign_post(client_a)
    assert page.status_code == 400 and "У вас нет права подписи" in page.content.decode()
    assert written() == (0, 0)


def test_a_get_writes_nothing_and_the_page_links_to_the_comparison(client_a, books):
    assert client_a.get("/statements/sign/").status_code == 405
    page = client_a.get("/statements/").content.decode()
    assert 'href="/statements/compare/"' in page and "Подписать и отправить лизингодателю" in page
    assert written() == (0, 0)


def test_another_organization_cannot_reach_the_act(client, client_a, books, org_a, admin_a, user_b, creditor):
    signing_ready(org_a, creditor, admin_a, admin_a)
    sign_post(client_a)
    request = SignatureRequest.objects.get()
    other = Client()
    other.force_login(user_b)
    assert other.get(f"/signatures/{request.pk}/").status_code == 404
    assert other.get(f"/documents/{request.document_id}/download/").status_code == 404
    assert other.post(f"/signatures/{request.pk}/code/").status_code == 404
    # Organization A's contract number is not found from B: nothing is written for B.
    page = sign_post(other)
    assert "В вашей организации нет договора с таким номером" in page.content.decode()
    assert written() == (1, 1)


def test_the_signed_act_reaches_only_its_creditors_token(client_a, books, org_a, admin_a, creditor, settings):
    settings.API_EVENT_LAG_SECONDS = 0  # the feed holds events back a moment; this test reads it at once
    creditor.clients.add(org_a)
    other_creditor = CreditorFactory()
    other_creditor.clients.add(org_a)
    theirs = ContractFactory(organization=org_a, product=ProductFactory(creditor=other_creditor), number="OT-1")
    ScheduledPaymentFactory(contract=theirs, number=1, due_date=d(2, 5), amount=Decimal("10.00"))
    _, ours_key = ApiToken.issue(name="1C", creditor=creditor)
    _, theirs_key = ApiToken.issue(name="1C other", creditor=other_creditor)
    signing_ready(org_a, creditor, admin_a, admin_a)
    sign_post(client_a)
    request = SignatureRequest.objects.get()
    sign(request, admin_a)
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.SIGNED
    event = ApiEvent.objects.get(kind=ApiEvent.Kind.DOCUMENT_SIGNED)
    assert event.creditor_id == creditor.pk
    assert event.payload["document_kind"] == "reconciliation_act"
    assert event.payload["document"]["id"] == request.document_id and event.payload["status"] == "signed"

    def feed(key):
        answer = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/events/?after=0")
        assert answer.status_code == 200
        return [e for e in answer.json()["events"] if e["kind"] == "document.signed"]

    (delivered,) = feed(ours_key)
    assert delivered["payload"]["document_kind"] == "reconciliation_act"
    assert feed(theirs_key) == []


def test_the_back_office_finds_the_signed_act(client_a, books, org_a, admin_a, creditor, staff):
    signing_ready(org_a, creditor, admin_a, admin_a)
    sign_post(client_a)
    request = SignatureRequest.objects.get()
    sign(request, admin_a)
    ordinary = pdf_document(org_a, title="Допсоглашение №1")
    put_for_signature(ordinary, creditor=creditor)
    back_office = Client(HTTP_ACCEPT_LANGUAGE="ru")
    back_office.force_login(staff)
    acts = back_office.get("/admin/signatures/signaturerequest/?kind=reconciliation_act").content.decode()
    assert "Акт сверки AL-ST-1" in acts and "Допсоглашение №1" not in acts
    assert "Подписан" in acts
    card = back_office.get(f"/admin/signatures/signaturerequest/{request.pk}/change/").content.decode()
    assert "Админов Алексей" in card  # the signature inline: who signed
    documents = back_office.get("/admin/documents/document/?q=Акт+сверки").content.decode()
    assert "Акт сверки AL-ST-1" in documents
