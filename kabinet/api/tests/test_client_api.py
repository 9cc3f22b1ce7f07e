"""`/api/v1/client/`: a client organization's own read-only token reads its organization only, across
its creditors, writes nothing, and never reaches the creditors' part of the API (generated from the URL conf)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals.models import Appeal, AppealKind
from kabinet.documents.models import Document
from kabinet.invoices import services as invoice_services
from kabinet.organizations.models import SettlementAccount
from kabinet.statements import reconciliation
from kabinet.testing import client_acts
from kabinet.testing.factories import ContractFactory, CreditorFactory, ProductFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


def world(org, products, tag: str) -> dict:
    contract = ContractFactory(organization=org, product=products["auto"], number=f"AL-{tag}")
    line = ScheduledPaymentFactory(
        contract=contract, number=1, due_date=TODAY + timedelta(days=3), amount=Decimal("1000.00")
    )
    document = Document.objects.create(
        organization=org,
        contract=contract,
        doc_type="УПД",
        title=f"УПД {tag}",
        document_date=TODAY,
        file=SimpleUploadedFile(f"{tag}.pdf", f"%PDF-1.4 {tag}".encode()),
        original_name=f"{tag}.pdf",
    )
    appeal = Appeal.objects.create(
        organization=org, number=f"REQ-{tag}", kind=AppealKind.CONTRACT, contract=contract, description="Прошу"
    )
    invoice = invoice_services.payment_invoice_issue(org=org, payment_id=line.pk)
    status = ApiEvent.objects.create(
        kind=ApiEvent.Kind.APPEAL_STATUS, organization=org, payload={"number": appeal.number}
    )
    own = ApiEvent.objects.create(
        kind=ApiEvent.Kind.APPEAL_CREATED, organization=org, payload={"number": appeal.number}
    )
    ApiEvent.objects.filter(pk__in=[status.pk, own.pk]).update(created_at=timezone.now() - timedelta(minutes=5))
    return {"document": document, "appeal": appeal, "invoice": invoice, "event": status, "own_event": own}


@pytest.fixture
def two(org_a, org_b, products):
    # org_a works with a second creditor too: the client's token reads across both.
    other = ProductFactory(creditor=CreditorFactory(), name="Факторинг")
    a = world(org_a, products, "A")
    a2 = world(org_a, {"auto": other}, "A2")
    b = world(org_b, products, "B")
    return a, a2, b


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def client_key(org_a):
    _token, key = ApiToken.issue(name="1С:Бухгалтерия", organization=org_a)
    return key


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_a_clients_token_reads_its_organization_across_its_creditors_and_nothing_else(two, client_key):
    a, a2, b = two
    reader = api(client_key)
    assert ids(reader.get("/api/v1/client/documents/")) == {a["document"].pk, a2["document"].pk}
    assert ids(reader.get("/api/v1/client/invoices/")) == {a["invoice"].pk, a2["invoice"].pk}
    assert ids(reader.get("/api/v1/client/requests/")) == {a["appeal"].pk, a2["appeal"].pk}
    # The lessor's side's events about the organization and the invoices issued for it, not the client's
    # own requests echoed back. Every event is past the feed's lag (events written by the fixture a moment
    # ago would otherwise show or not depending on how fast the machine ran it).
    ApiEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    issued = set(
        ApiEvent.objects.filter(organization=a["appeal"].organization, kind=ApiEvent.Kind.INVOICE_ISSUED).values_list(
            "pk", flat=True
        )
    )
    assert len(issued) == 2
    assert ids(reader.get("/api/v1/client/events/")) == {a["event"].pk, a2["event"].pk} | issued
    invoices = reader.get("/api/v1/client/invoices/").json()["results"]
    assert {row["status"] for row in invoices} == {"current"} and {row["amount"] for row in invoices} == {"1000.00"}

    download = reader.get(reader.get("/api/v1/client/documents/").json()["results"][0]["download"])
    assert download.status_code == 200 and download.getvalue().startswith(b"%PDF-1.4 A")
    pdf = reader.get(f"/api/v1/client/invoices/{a['invoice'].pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # Another organization's objects are a 404, like ones that do not exist.
    assert reader.get(f"/api/v1/client/documents/{b['document'].pk}/download/").status_code == 404
    assert reader.get(f"/api/v1/client/invoices/{b['invoice'].pk}/pdf/").status_code == 404


@pytest.mark.django_db
def test_the_lists_page_by_an_id_cursor(two, client_key):
    a, a2, _b = two
    reader = api(client_key)
    first = reader.get("/api/v1/client/documents/?limit=1").json()
    second = reader.get(f"/api/v1/client/documents/?limit=1&after={first['next']}").json()
    third = reader.get(f"/api/v1/client/documents/?limit=1&after={second['next']}").json()
    assert [r["id"] for r in first["results"] + second["results"]] == sorted([a["document"].pk, a2["document"].pk])
    assert third == {"results": [], "next": second["next"]}
    assert reader.get("/api/v1/client/documents/?after=x").status_code == 400


def _creditor_routes() -> list[str]:
    """Every route of the creditors' API with its parameters filled in."""
    routes = []
    for entry in get_resolver("kabinet.api.urls").url_patterns:
        assert isinstance(entry, URLPattern)
        route = str(entry.pattern)
        if route.startswith(("client/", "schema/", "docs/")):
            continue
        routes.append(
            "/api/v1/"
            + route.replace("<str:external_id>", "x")
            .replace("<int:pk>", "1")
            .replace("<int:signature_pk>", "1")
            .replace("<str:number>", "x")
        )
    return routes


def _client_routes() -> list[str]:
    return [
        "/api/v1/" + str(e.pattern).replace("<int:pk>", "1")
        for e in get_resolver("kabinet.api.urls").url_patterns
        if str(e.pattern).startswith("client/")
    ]


@pytest.mark.django_db
def test_a_clients_token_never_reaches_a_creditor_endpoint_and_writes_nothing(client_key):
    reader = api(client_key)
    routes = _creditor_routes()
    assert len(routes) >= 19
    for route in routes:
        for method in ("get", "post", "put"):
            response = getattr(reader, method)(route, data={}, content_type="application/json")
            assert response.status_code in (403, 405), (method, route, response.status_code)
            if response.status_code == 403:
                assert "client" in response.json()["detail"], route
    for route in _client_routes():
        for method in ("post", "put", "patch", "delete"):
            response = getattr(reader, method)(route, data={}, content_type="application/json")
            assert response.status_code in (403, 405), (method, route)


@pytest.mark.django_db
def test_creditor_and_staff_tokens_do_not_read_the_client_part(creditor):
    _t, creditor_key = ApiToken.issue(name="1C", creditor=creditor)
    _t, staff_key = ApiToken.issue(name="BO", staff_wide=True)
    for key in (creditor_key, staff_key):
        for route in _client_routes():
            assert api(key).get(route).status_code == 403, route


@pytest.mark.django_db
def test_a_revoked_clients_token_is_refused_at_once(org_a, client_key):
    reader = api(client_key)
    assert reader.get("/api/v1/client/requests/").status_code == 200
    ApiToken.objects.filter(organization=org_a).update(revoked_at=timezone.now())
    assert reader.get("/api/v1/client/requests/").status_code == 401


@pytest.mark.django_db
def test_a_clients_token_cannot_be_made_to_write(org_a, creditor):
    with pytest.raises(ValueError):
        ApiToken.issue(name="x", organization=org_a, can_write=True)
    with pytest.raises(ValueError):
        ApiToken.issue(name="x", organization=org_a, creditor=creditor)
    token, _key = ApiToken.issue(name="x", organization=org_a)
    with pytest.raises(IntegrityError):
        ApiToken.objects.filter(pk=token.pk).update(can_write=True)


@pytest.mark.django_db
def test_the_client_part_is_in_the_openapi_document_under_its_tag(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    client_paths = [path for path in schema["paths"] if path.startswith("/api/v1/client/")]
    assert len(client_paths) == len(_client_routes())
    for path in client_paths:
        for operation in schema["paths"][path].values():
            assert operation["tags"] == ["client"]


def _ids_of(org) -> list[int]:
    """Every primary key of every row the organization owns."""
    ids: set[int] = set()
    for model in apps.get_models():
        if any(f.name == "organization" for f in model._meta.concrete_fields):
            ids.update(model._default_manager.filter(organization=org).values_list("pk", flat=True))
    return sorted(ids)


@pytest.mark.django_db
def test_a_clients_token_never_reaches_another_organizations_objects_generated_from_the_url_conf(
    two, org_a, org_b, settings
):
    """Every client route with an id, called with every id of another organization's rows, is a 404; every
    list holds the organization's own rows and nothing of the other's (a route added tomorrow is walked too)."""
    settings.API_EVENT_LAG_SECONDS = 0
    _a, _a2, _b = two
    ApiToken.issue(name="Чужая 1С", organization=org_b)
    _token, key = ApiToken.issue(name="1С", organization=org_a)
    for org, marker in ((org_a, "BANK-A"), (org_b, "BANK-B")):
        SettlementAccount.objects.create(
            organization=org,
            bank_name=marker,
            bic="044525225",
            account="40702810238000001234",
            correspondent_account="30101810400000000225",
            is_default=True,
        )
    reader = api(key)
    walked = 0
    for entry in get_resolver("kabinet.api.urls").url_patterns:
        route = str(entry.pattern)
        if not route.startswith("client/"):
            continue
        if "<int:pk>" in route:
            # Every id of every row of B (and those of the model the view serves above all), none of them A's.
            model = getattr(entry.callback, "view_class").model  # noqa: B009 (a view made by as_view())
            assert model is not None, f"{route}: name the model the view reads by id"
            own = set(model._default_manager.filter(organization=org_a).values_list("pk", flat=True))
            foreign = [pk for pk in _ids_of(org_b) if pk not in own]
            assert set(model._default_manager.filter(organization=org_b).values_list("pk", flat=True)) <= set(foreign)
            for pk in foreign:
                response = reader.get("/api/v1/" + route.replace("<int:pk>", str(pk)))
                assert response.status_code == 404, (route, pk, response.status_code)
                walked += 1
            continue
        text = reader.get("/api/v1/" + route + "?limit=500").content.decode()
        # The debt may be empty; the comparisons need an upload (their own test reads A's and not B's).
        own_markers = ("AL-A", "REQ-A", "УПД A", "BANK-A")
        assert any(m in text for m in own_markers) or route in ("client/debt/", "client/reconciliations/"), route
        for marker in ("AL-B", "REQ-B", "УПД B", "B.pdf", "BANK-B"):
            assert marker not in text, (route, marker)
    assert walked >= 2


@pytest.mark.django_db
def test_a_clients_token_reads_its_bank_accounts_and_comparisons_only(org_a, org_b, products, client_key):
    year = TODAY.year - 1
    accounts = {}
    for org in (org_a, org_b):
        accounts[org.pk] = SettlementAccount.objects.create(
            organization=org,
            bank_name="ПАО Сбербанк",
            bic="044525225",
            account="40702810238000001234",
            correspondent_account="30101810400000000225",
            is_default=True,
        )
    uploads = {}
    for org in (org_a, org_b):
        contract = client_acts.leasing_books(org, products["auto"], year, number=f"AL-{org.pk}")
        content = client_acts.csv_bytes(client_acts.planted_rows(org, contract, year), encoding="utf-8")
        upload = reconciliation.reconciliation_upload(
            org=org,
            actor=None,
            creditor=None,
            contract=contract,
            start=TODAY.replace(year=year, month=1, day=1),
            end=TODAY.replace(year=year, month=6, day=30),
            uploaded=SimpleUploadedFile("a.csv", content),
        )
        uploads[org.pk] = reconciliation.reconciliation_compare(org=org, reconciliation=upload, mapping=upload.mapping)
    reader = api(client_key)
    assert ids(reader.get("/api/v1/client/bank-accounts/")) == {accounts[org_a.pk].pk}
    assert ids(reader.get("/api/v1/client/reconciliations/")) == {uploads[org_a.pk].pk}
    one = reader.get(f"/api/v1/client/reconciliations/{uploads[org_a.pk].pk}/").json()
    assert one["differences"] == 3
    assert sorted(line["status"] for line in one["lines"] if line["status"] != "match") == [
        "differs",
        "only_books",
        "only_client",
    ]
    assert reader.get(f"/api/v1/client/reconciliations/{uploads[org_b.pk].pk}/").status_code == 404
    schema = Client().get("/api/v1/schema/").content.decode()
    assert "/api/v1/client/reconciliations/{id}/" in schema and "/api/v1/client/bank-accounts/" in schema
