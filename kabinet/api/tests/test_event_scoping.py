"""Events are scoped like their objects: a client shared by creditors A and B does something of every
event kind about A's contract, B's contract and itself; each token's feed and webhook deliveries hold
exactly the events about objects it may read (fails on the old code: the feed and the fan-out scoped
events by organization only, so A read the requests and documents on B's contract)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.accounts.models import Registration
from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals import services as appeals
from kabinet.appeals.models import Appeal, AppealKind, AppealStatus
from kabinet.audit.models import CLIENT_ONLY_EVENT_KINDS
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.documents.services import UploadInput, documents_upload
from kabinet.organizations.models import Membership
from kabinet.organizations.services.employees import join_request_decide
from kabinet.signatures import services as signatures
from kabinet.support.services import thread_create
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    MembershipFactory,
    OrganizationFactory,
    ProductFactory,
    UserFactory,
)
from kabinet.testing.http import FakeServer, Reply
from kabinet.testing.signing import ORIGIN, pdf_document, put_for_signature, sign, signing_ready


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, simple_pdf(["Акт"]), content_type="application/pdf")


def _contract_story(org, user, contract) -> None:
    """appeal.created, appeal.status, appeal.answered and document.uploaded about one contract."""
    appeal = appeals.appeal_create(
        org=org,
        user=user,
        data=appeals.AppealInput(kind=AppealKind.CONTRACT, description=f"Про {contract.number}", contract=contract),
    )
    appeals.appeal_change_status(appeal_id=appeal.pk, to_status=AppealStatus.REVIEW)
    appeals.appeal_change_status(appeal_id=appeal.pk, to_status=AppealStatus.NEEDS_CONFIRMATION)
    appeals.appeal_client_answer(
        org=org, user=user, appeal_id=appeal.pk, body=f"Подтверждаю {contract.number}", files=[]
    )
    documents_upload(
        org=org, user=user, files=[_pdf(f"{contract.number}.pdf")], data=UploadInput(doc_type="Акт", contract=contract)
    )
    # document.signed and document.signature_refused about a document on the contract.
    signing_ready(org, contract.product.creditor, user, user)
    sign(put_for_signature(pdf_document(org, title=f"Допсоглашение {contract.number}", contract=contract)), user)
    refused = put_for_signature(pdf_document(org, title=f"Акт {contract.number}", contract=contract))
    signatures.signature_refuse(request=refused, actor=user, reason=f"Не согласны {contract.number}", origin=ORIGIN)


def _own_story(org, admin) -> None:
    """registration.awaiting, support.message and a document of the organization itself."""
    person = UserFactory(full_name="Новиков Пётр")
    membership = MembershipFactory(user=person, organization=org, status=Membership.Status.REQUESTED)
    Registration.objects.create(
        kind=Registration.Kind.ADD_ORGANIZATION,
        status=Registration.Status.AWAITING_ORG_ADMIN,
        user=person,
        organization=org,
        inn=org.inn,
        company_name=org.name,
        full_name=person.full_name,
        phone=person.phone,
    )
    join_request_decide(org=org, actor=admin, membership_id=membership.pk, approve=True)
    thread_create(org=org, user=admin, topic="Вопрос", body="Общий вопрос клиента", files=[])
    documents_upload(org=org, user=admin, files=[_pdf("устав.pdf")], data=UploadInput(doc_type="Устав"))


@pytest.fixture
def shared(db, settings):
    settings.API_EVENT_LAG_SECONDS = 0
    settings.JOIN_STAFF_APPROVAL = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.SMS_RESEND_INTERVAL = 0  # the administrator signs a document on each creditor's contract
    org = OrganizationFactory(name="ООО «Общий клиент»")
    admin = UserFactory(full_name="Общий Админ")
    MembershipFactory(user=admin, organization=org, role=Membership.Role.ADMIN)
    contracts = {}
    for x in ("A", "B"):
        creditor = CreditorFactory(short_name=f"CRED{x}")
        creditor.clients.add(org)
        product = ProductFactory(creditor=creditor, name=f"Продукт {x}")
        contracts[x] = ContractFactory(organization=org, product=product, number=f"CON-{x}", external_id=f"con-{x}")
    return org, admin, contracts


def test_each_tokens_feed_and_webhooks_hold_only_events_about_what_it_may_read(
    shared, django_capture_on_commit_callbacks
):
    org, admin, contracts = shared
    tokens = {
        "A": ApiToken.issue(name="1C A", creditor=contracts["A"].product.creditor),
        "B": ApiToken.issue(name="1C B", creditor=contracts["B"].product.creditor),
        "staff": ApiToken.issue(name="Бэк-офис", kind=ApiToken.Kind.STAFF),
    }
    with FakeServer(lambda seen: Reply(status=200)) as server:
        for name, (token, _) in tokens.items():
            ApiToken.objects.filter(pk=token.pk).update(webhook_url=f"{server.url}/hook/{name}")
        with django_capture_on_commit_callbacks(execute=True):
            _contract_story(org, admin, contracts["A"])
            _contract_story(org, admin, contracts["B"])
            _own_story(org, admin)
    # The lessor's own writes told to the client's systems never reach a creditor's or the back office's
    # feed (kabinet/api/tests/test_client_events.py covers them).
    events = list(ApiEvent.objects.exclude(kind__in=CLIENT_ONLY_EVENT_KINDS).order_by("id"))
    assert {e.kind for e in events} == set(ApiEvent.Kind.values) - set(CLIENT_ONLY_EVENT_KINDS), "every kind"

    def about(event: ApiEvent) -> str:
        """Whose contract the event's object hangs on (read from the object, not from the event)."""
        if event.kind.startswith("appeal."):
            contract = Appeal.objects.get(number=event.payload["number"]).contract
        elif event.kind == "document.uploaded":
            contract = Document.objects.get(pk=event.payload["document"]).contract
        elif event.kind.startswith("document.signature") or event.kind == "document.signed":
            contract = Document.objects.get(pk=event.payload["document"]["id"]).contract
        else:
            contract = None
        return contract.number[-1] if contract else "own"

    assert {about(e) for e in events} == {"A", "B", "own"}
    expected = {
        "A": [e.pk for e in events if about(e) in ("A", "own")],
        "B": [e.pk for e in events if about(e) in ("B", "own")],
        "staff": [e.pk for e in events],
    }
    for name, (_, key) in tokens.items():
        feed = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/events/?after=0").json()["events"]
        assert [e["id"] for e in feed] == expected[name], name
        delivered = sorted(json.loads(s.body)["id"] for s in server.requests if s.path == f"/hook/{name}")
        assert delivered == expected[name], name
    # The leak the probe showed: A's feed held B's request with its text.
    feed_a = Client(HTTP_AUTHORIZATION=f"Bearer {tokens['A'][1]}").get("/api/v1/events/?after=0").content.decode()
    assert "CON-B" not in feed_a and "con-B" not in feed_a and "Подтверждаю CON-B" not in feed_a
    assert "Не согласны CON-B" not in feed_a and "Допсоглашение CON-B" not in feed_a


@pytest.mark.django_db(transaction=True)
def test_events_written_before_name_their_creditor_after_the_migration():
    """Fails on the old code: there is no `ApiEvent.creditor` (nor migration 0010), so an old event about
    B's contract stayed readable by every creditor of the client."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = ("api", "0009_idempotency_key_claimed_first")
    executor = MigrationExecutor(connection)
    target = [before, *(n for n in executor.loader.graph.leaf_nodes() if n[0] != "api")]
    executor.migrate(target)
    apps = executor.loader.project_state(target).apps
    Creditor = apps.get_model("creditors", "Creditor")
    creditor = Creditor.objects.create(
        name="Бета",
        short_name="Бета",
        inn="7812345675",
        bank_name="Б",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
    )
    org = apps.get_model("organizations", "Organization").objects.create(name="Общий", inn="7707083893")
    product = apps.get_model("creditors", "Product").objects.create(creditor=creditor, name="П")
    contract = apps.get_model("contracts", "Contract").objects.create(
        organization=org, product=product, number="CON-B", amount=1
    )
    apps.get_model("appeals", "Appeal").objects.create(
        organization=org, number="R-1", kind="contract", contract=contract, product=product, description="x"
    )
    Event = apps.get_model("audit", "ApiEvent")
    about_contract = Event.objects.create(kind="appeal.created", organization=org, payload={"number": "R-1"})
    own = Event.objects.create(kind="support.message", organization=org, payload={"thread": "1"})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ApiEvent.objects.get(pk=about_contract.pk).creditor_id == creditor.pk
    assert ApiEvent.objects.get(pk=own.pk).creditor_id is None
