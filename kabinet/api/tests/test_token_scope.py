"""A token belongs to one creditor: every endpoint, discovered from the URL conf, with another creditor's
ids is a 404 (or an unknown reference), writes nothing and shows nothing; the same call with the token's
own ids works (so the 404 is the scope, not a broken request)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kabinet.accounts.models import Registration
from kabinet.api.auth import CLIENT_KINDS
from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.api.scoping import ScopedAPIView
from kabinet.appeals.models import Appeal, AppealKind
from kabinet.audit.models import CLIENT_ONLY_EVENT_KINDS, AuditEvent
from kabinet.contracts.models import (
    BooksDebt,
    ClosingDocument,
    Contract,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
)
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Membership, Organization
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    LeasedItemFactory,
    MembershipFactory,
    OrganizationFactory,
    ProductFactory,
    ScheduledPaymentFactory,
    UserFactory,
    pay_line,
)
from kabinet.testing.routes import row_counts, url_patterns

# Views under /api/v1/ that hold no creditor's data (the OpenAPI document and its page).
NO_DATA_VIEWS = (SpectacularAPIView, SpectacularSwaggerView)


def _world(x: str, inn: str) -> dict:
    creditor = CreditorFactory(external_id=f"CR-{x}", short_name=f"CRED{x}", is_default=x == "A")
    product = ProductFactory(creditor=creditor, external_id=f"P-{x}", name=f"Автолизинг {x}")
    org = OrganizationFactory(external_id=f"ORG-{x}", inn=inn, name=f"ООО «Клиент {x}»")
    creditor.clients.add(org)
    contract = ContractFactory(organization=org, product=product, external_id=f"C-{x}", number=f"NUM-{x}")
    item = LeasedItemFactory(contract=contract, external_id=f"I-{x}")
    policy = InsurancePolicy.objects.create(
        organization=org,
        contract=contract,
        insurer="Страховщик",
        policy_number=f"POL-{x}",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + timedelta(days=365),
        external_id=f"IP-{x}",
    )
    line = ScheduledPaymentFactory(contract=contract, number=1)
    pay_line(line, "10.00", external_id=f"PAY-{x}")
    DebtFactory(contract=contract)
    document = Document.objects.create(
        organization=org,
        contract=contract,
        doc_type="Акт",
        title=f"Акт {x}",
        document_date=timezone.localdate(),
        file=SimpleUploadedFile(f"{x}.pdf", b"%PDF-1.4"),
        original_name=f"{x}.pdf",
        external_id=f"D-{x}",
    )
    QualifiedSignature.objects.create(  # a КЭП of the document, for the books' signatures endpoints
        organization=org,
        document=document,
        signature_file=SimpleUploadedFile(f"{x}.sig", b"0\x80"),
        original_name=f"{x}.sig",
        signature_sha256="0" * 64,
        document_sha256="1" * 64,
        digest_algorithm="streebog256",
        message_digest="2" * 64,
        signer_name=f"Подписант {x}",
        issuer="УЦ",
        certificate_serial="01",
    )
    closing = ClosingDocument.objects.create(
        organization=org,
        creditor=creditor,
        contract=contract,
        external_id=f"CD-{x}",
        number=f"CDN-{x}",
        date=timezone.localdate(),
        amount=Decimal("10.00"),
    )
    appeal = Appeal.objects.create(
        organization=org,
        number=f"REQ-{x}",
        kind=AppealKind.CONTRACT,
        contract=contract,
        product=product,
        description="Прошу",
    )
    member = UserFactory()
    MembershipFactory(user=member, organization=org, status=Membership.Status.REQUESTED)
    registration = Registration.objects.create(
        kind=Registration.Kind.ADD_ORGANIZATION,
        status=Registration.Status.AWAITING_APPROVAL,
        user=member,
        organization=org,
        inn=org.inn,
        company_name=org.name,
        full_name=member.full_name,
        phone=member.phone,
    )
    # An event of every kind; those about a contract name its creditor, as the services write them.
    events = [
        ApiEvent.objects.create(
            kind=kind,
            organization=org,
            creditor=creditor if kind.startswith(("appeal.", "document.")) else None,
            payload={"n": f"EV-{x}-{kind}"},
        )
        for kind in ApiEvent.Kind.values
    ]
    event = events[0]
    ApiEvent.objects.filter(organization=org).update(created_at=timezone.now() - timedelta(minutes=5))
    return {
        Creditor: creditor,
        Product: product,
        Organization: org,
        Contract: contract,
        LeasedItem: item,
        InsurancePolicy: policy,
        BooksDebt: contract,
        PaymentReceived: PaymentReceived.objects.get(external_id=f"PAY-{x}"),
        Document: document,
        ClosingDocument: closing,
        Appeal: appeal,
        Registration: registration,
        ApiEvent: event,
        "markers": [f"CR-{x}", f"P-{x}", f"ORG-{x}", f"C-{x}", f"NUM-{x}", f"REQ-{x}", f"D-{x}", f"EV-{x}", inn],
    }


def _param_value(obj, name: str):
    if name == "signature_pk":  # a document's КЭП (`api:document_qualified_signature_file`)
        return QualifiedSignature.objects.get(document=obj).pk
    return {"external_id": getattr(obj, "external_id", None), "number": getattr(obj, "number", None), "pk": obj.pk}[
        name
    ]


# What each endpoint is sent: `w` is the world whose ids go in the body. A new endpoint without a body
# here fails `test_every_endpoint_is_in_the_matrix`.
def _creditor(w):
    c = w[Creditor]
    return {
        k: getattr(c, k)
        for k in ("name", "short_name", "inn", "kpp", "bank_name", "bic", "settlement_account", "correspondent_account")
    } | {"memo": "обновлено"}


BODIES = {
    "api:creditor": _creditor,
    "api:product": lambda w: {"creditor": w[Creditor].external_id, "name": "Новый продукт"},
    "api:organization": lambda w: {"name": "Переименована", "inn": w[Organization].inn, "status": "active"},
    "api:contract": lambda w: {
        "organization": w[Organization].external_id,
        "product": w[Product].external_id,
        "number": w[Contract].number,
        "status": "closed",
        "amount": "100.00",
    },
    "api:schedule": lambda w: {
        "payments": [{"number": 1, "due_date": "2027-01-10", "amount": "5.00", "vat_rate": "22"}]
    },
    "api:debt": lambda w: {"amount": "7.00", "as_of": "2026-11-27"},
    "api:leased_item": lambda w: {"contract": w[Contract].external_id, "make": "ГАЗ", "model": "Газель"},
    "api:insurance": lambda w: {
        "contract": w[Contract].external_id,
        "insurer": "Другой",
        "policy_number": "X",
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
    },
    "api:payments": lambda w: {
        "payments": [
            {
                "external_id": "PAY-NEW",
                "contract": w[Contract].external_id,
                "received_on": "2026-11-01",
                "amount": "1.00",
            }
        ]
    },
    "api:payment_reversal": lambda w: {"reversed_on": str(w[PaymentReceived].received_on + timedelta(days=1))},
    "api:payment_unreverse": lambda w: {},
    "api:penalties": lambda w: {
        "penalties": [
            {"external_id": "PEN-1", "contract": w[Contract].external_id, "accrued_on": "2026-11-01", "amount": "3.00"}
        ]
    },
    "api:adjustments": lambda w: {
        "adjustments": [
            {"external_id": "ADJ-1", "contract": w[Contract].external_id, "date": "2026-11-01", "amount": "4.00"}
        ]
    },
    "api:buyout": lambda w: {"values": [{"date": "2027-01-01", "amount": "1000.00"}]},
    "api:schedules": lambda w: {
        "schedules": [
            {
                "contract": w[Contract].external_id,
                "payments": [{"number": 1, "due_date": "2027-01-10", "amount": "5.00", "vat_rate": "22"}],
            }
        ]
    },
    "api:documents": lambda w: {
        "external_id": f"NEW-{w[Organization].external_id}",
        "organization": w[Organization].external_id,
        "contract": w[Contract].external_id,
        "category": "other",
        "doc_type": "Акт",
        "title": "Акт сверки",
        "document_date": "2026-11-01",
        "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    },
    "api:closing_document": lambda w: {
        "organization": w[Organization].external_id,
        "contract": w[Contract].external_id,
        "kind": "upd",
        "number": w[ClosingDocument].number,
        "date": "2026-11-30",
        "amount": "10.00",
        "vat": [{"rate": "22", "vat": "1.80"}],
    },
    "api:closing_document_pdf": lambda w: {
        "file": SimpleUploadedFile("u.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    },
    "api:closing_document_xml": lambda w: {
        "file": SimpleUploadedFile("u.xml", b'<?xml version="1.0"?><a/>', content_type="application/xml")
    },
    "api:appeal_status": lambda w: {"status": "review"},
    "api:registration_status": lambda w: {"status": "rejected", "reason": "Нет договора"},
    "api:events": None,
    "api:document_signatures": None,
    "api:document_qualified_signature_file": None,
}


def _api_routes():
    """The creditors' part of the API; `/api/v1/client/` has its own matrix (test_client_api.py), and
    refuses a creditor's token before any lookup."""
    return [
        r
        for r in url_patterns()
        if r.route.startswith("api/") and getattr(r.view_class, "token_kinds", None) != CLIENT_KINDS
    ]


def test_the_client_part_refuses_a_creditors_token_before_reading():
    client_routes = [r for r in url_patterns() if getattr(r.view_class, "token_kinds", None) == CLIENT_KINDS]
    assert client_routes and all(r.route.startswith("api/v1/client/") for r in client_routes)


def _methods(view_class) -> list[str]:
    return [m for m in ("get", "put", "post", "patch", "delete") if hasattr(view_class, m)]


def _call(client, method: str, url: str, body):
    if method == "get":
        return client.get(url)
    if body is not None and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return client.post(url, body)  # multipart
    return getattr(client, method)(url, body, content_type="application/json")


def _shared_client_events(a: dict, b: dict) -> None:
    """A client of both creditors: B's events about its contracts there must not reach A's token."""
    shared = OrganizationFactory(external_id="ORG-S", inn="7728168971", name="ООО «Общий»")
    shared.creditors.add(a[Creditor], b[Creditor])
    for kind in ApiEvent.Kind.values:
        if kind.startswith(("appeal.", "document.")):
            ApiEvent.objects.create(
                kind=kind, organization=shared, creditor=b[Creditor], payload={"n": f"EVS-B-{kind}"}
            )
            b["markers"].append(f"EVS-B-{kind}")
    ApiEvent.objects.filter(organization=shared).update(created_at=timezone.now() - timedelta(minutes=5))


@pytest.fixture
def worlds(db):
    a = _world("A", "7707083893")
    b = _world("B", "7736207543")
    _shared_client_events(a, b)
    token, key = ApiToken.issue(
        name="1C of A", creditor=a[Creditor], can_read=True, can_write=True, can_change_requisites=True
    )
    return a, b, Client(HTTP_AUTHORIZATION=f"Bearer {key}"), token


def test_every_endpoint_is_in_the_matrix():
    for route in _api_routes():
        view = route.view_class
        if issubclass(view, NO_DATA_VIEWS):
            continue
        assert issubclass(view, ScopedAPIView), f"{route.route} does not inherit the scoped base"
        if route.params:
            assert view.model is not None, f"{route.route}: the scoped base needs the model its id names"
        assert route.name in BODIES, f"{route.route}: add it to the matrix"


def test_a_creditors_token_gets_404_and_writes_nothing_with_another_creditors_ids(worlds):
    a, b, api, _ = worlds
    checked = 0
    for route in _api_routes():
        view = route.view_class
        if issubclass(view, NO_DATA_VIEWS):
            continue
        for method in _methods(view):
            url_b = route.fill({n: _param_value(b[view.model], n) for n, _ in route.params}) if route.params else None
            body = BODIES[route.name]
            before = row_counts()
            if route.params:
                # Another creditor's object in the URL (the body is otherwise valid).
                assert url_b is not None
                response = _call(api, method, url_b, body(a) if body else None)
                assert response.status_code in (404, 405), (method, url_b, response.status_code, response.content)
            else:
                # Another creditor's objects referenced in the body; reads must not show them.
                response = _call(api, method, "/" + route.route, body(b) if body else None)
                if method == "get":
                    assert response.status_code == 200
                    text = response.content.decode()
                    assert not [m for m in b["markers"] if m in text], (route.route, text)
                else:
                    assert response.status_code in (400, 404), (method, route.route, response.content)
            assert row_counts() == before, (method, route.route)
            checked += 1
    assert checked >= 14
    b_rows = [
        Creditor.objects.get(pk=b[Creditor].pk).memo,
        Organization.objects.get(pk=b[Organization].pk).name,
        Contract.objects.get(pk=b[Contract].pk).status,
        Appeal.objects.get(pk=b[Appeal].pk).status,
        Registration.objects.get(pk=b[Registration].pk).status,
        BooksDebt.objects.get(contract=b[Contract]).amount,
    ]
    assert b_rows == ["", "ООО «Клиент B»", "active", "sent", "awaiting", b_rows[-1]]
    assert str(b_rows[-1]) == "50000.00"


def test_the_same_calls_with_the_tokens_own_ids_work(worlds):
    """The positive control of the matrix: what was refused for B's ids is done for A's."""
    a, _, api, _ = worlds
    for route in _api_routes():
        view = route.view_class
        if issubclass(view, NO_DATA_VIEWS):
            continue
        for method in _methods(view):
            url = route.fill({n: _param_value(a[view.model], n) for n, _ in route.params}) if route.params else None
            body = BODIES[route.name]
            response = _call(api, method, url or "/" + route.route, body(a) if body else None)
            assert response.status_code in (200, 201), (method, route.route, response.content)
    assert Creditor.objects.get(pk=a[Creditor].pk).memo == "обновлено"
    assert Contract.objects.get(pk=a[Contract].pk).status == "closed"
    assert Registration.objects.get(pk=a[Registration].pk).status == "rejected"


def test_a_creditors_token_cannot_create_a_creditor_or_claim_another_creditors_client(worlds):
    a, b, api, _ = worlds
    body = _creditor(a)
    assert api.put("/api/v1/creditors/CR-NEW/", body, content_type="application/json").status_code == 404
    assert not Creditor.objects.filter(external_id="CR-NEW").exists()
    # B's client under a new external id: found by INN, but it is B's: refused, not linked, not renamed.
    org = {"name": "Захвачена", "inn": b[Organization].inn, "status": "active"}
    response = api.put("/api/v1/organizations/ORG-NEW/", org, content_type="application/json")
    assert response.status_code == 400 and "inn" in response.json()
    assert list(b[Organization].creditors.all()) == [b[Creditor]]
    # A company nobody has claimed (it registered in the portal itself) is claimed and becomes A's client.
    fresh = OrganizationFactory(inn="7710140679", external_id=None)
    org = {"name": "Новый клиент", "inn": fresh.inn, "kpp": "771001001", "status": "active"}
    assert api.put("/api/v1/organizations/ORG-FRESH/", org, content_type="application/json").status_code == 200
    assert list(fresh.creditors.all()) == [a[Creditor]]
    # A new client of A's is A's at once.
    org = {"name": "Совсем новый", "inn": "7702070139", "kpp": "770201001", "status": "active"}
    r = api.put("/api/v1/organizations/ORG-N2/", org, content_type="application/json")
    assert r.status_code == 201, r.content.decode()
    assert list(Organization.objects.get(external_id="ORG-N2").creditors.all()) == [a[Creditor]]


def test_changing_bank_requisites_needs_its_own_scope_and_is_audited(worlds):
    a, _, _, _ = worlds
    _, key = ApiToken.issue(name="1C", creditor=a[Creditor], can_read=True, can_write=True)
    plain = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = _creditor(a) | {"settlement_account": "40702810755000012316"}
    response = plain.put("/api/v1/creditors/CR-A/", body, content_type="application/json")
    assert response.status_code == 403 and "settlement_account" in response.json()["detail"]
    assert Creditor.objects.get(pk=a[Creditor].pk).settlement_account == "40702810755000012345"
    # Other fields of the creditor need only the write scope (and leave no requisites audit).
    assert plain.put("/api/v1/creditors/CR-A/", _creditor(a), content_type="application/json").status_code == 200
    assert not AuditEvent.objects.filter(action="creditor_requisites_changed").exists()
    _, key = ApiToken.issue(name="1C+", creditor=a[Creditor], can_write=True, can_change_requisites=True)
    allowed = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert allowed.put("/api/v1/creditors/CR-A/", body, content_type="application/json").status_code == 200
    event = AuditEvent.objects.get(action="creditor_requisites_changed")
    assert event.actor_kind == AuditEvent.ActorKind.API
    assert event.before["settlement_account"] == "40702810755000012345"
    assert event.after["settlement_account"] == "40702810755000012316"
    assert "1C+" in event.after["token"]


def test_a_token_is_one_creditors_or_explicitly_staff_wide(worlds):
    a, _b, _, _ = worlds
    with pytest.raises(ValueError):
        ApiToken.issue(name="nobody's")
    with pytest.raises(ValueError):
        ApiToken.issue(name="both", creditor=a[Creditor], staff_wide=True)
    _, key = ApiToken.issue(name="back office", staff_wide=True)
    events = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/events/").content.decode()
    assert "EV-A" in events and "EV-B" in events


def test_webhooks_reach_only_the_events_creditor(worlds, settings):
    a, _b, _, token_a = worlds
    ApiToken.objects.filter(pk=token_a.pk).update(webhook_url="http://192.0.2.1/hook")
    _, _ = ApiToken.issue(name="back office", staff_wide=True)
    from kabinet.api.webhooks import fan_out

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for event_id in ApiEvent.objects.values_list("pk", flat=True):
        fan_out(event_id)
    delivered = set(WebhookDelivery.objects.values_list("token_id", "event_id"))
    # The lessor's own writes told to the client's systems are no creditor's webhook (test_client_events).
    own = (
        ApiEvent.objects.filter(organization=a[Organization])
        .exclude(kind__in=CLIENT_ONLY_EVENT_KINDS)
        .values_list("pk", flat=True)
    )
    assert delivered == {(token_a.pk, pk) for pk in own}
    assert len(own) == len(ApiEvent.Kind.values) - len(CLIENT_ONLY_EVENT_KINDS)


def test_the_admin_shows_whose_each_token_is(worlds, client):
    _a, _, _, _ = worlds
    ApiToken.issue(name="Бэк-офис", staff_wide=True)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get("/admin/api/apitoken/").content.decode()
    assert "CREDA" in page
    assert "Все кредиторы" in page


@pytest.mark.django_db(transaction=True)
def test_tokens_issued_before_become_staff_wide_and_clients_come_from_contracts():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    old = [("api", "0002_webhooks"), ("creditors", "0002_memo_and_rules")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    creditor = apps.get_model("creditors", "Creditor").objects.create(
        name="К",
        short_name="К",
        inn="7812345675",
        bank_name="Б",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
    )
    product = apps.get_model("creditors", "Product").objects.create(creditor=creditor, name="П")
    org = apps.get_model("organizations", "Organization").objects.create(name="О", inn="7707083893")
    apps.get_model("organizations", "Organization").objects.create(name="Без договоров", inn="7736207543")
    apps.get_model("contracts", "Contract").objects.create(organization=org, product=product, number="1", amount=1)
    apps.get_model("api", "ApiToken").objects.create(name="old", prefix="abcd", key_hash="x", can_write=True)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    token = ApiToken.objects.get(prefix="abcd")
    assert token.kind == ApiToken.Kind.STAFF and token.creditor_id is None and not token.can_change_requisites
    assert list(Creditor.objects.get(pk=creditor.pk).clients.values_list("name", flat=True)) == ["О"]


def test_a_reference_with_a_nul_character_is_a_400_not_a_server_error(worlds):
    _, _, api, _ = worlds
    contract_body = BODIES["api:contract"]
    assert contract_body is not None
    body = contract_body(worlds[0]) | {"product": "P-\x00A"}
    response = api.put("/api/v1/contracts/C-A/", body, content_type="application/json")
    assert response.status_code == 400 and "product" in response.json()
