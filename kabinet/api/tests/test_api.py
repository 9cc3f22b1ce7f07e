"""Integration API v1: tokens and scopes, idempotent upserts, atomic bulk calls, the event feed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals import services as appeal_services
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Organization


@pytest.fixture
def token(db):
    return ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True, can_change_requisites=True)


@pytest.fixture
def api(token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    return client


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


@pytest.fixture
def base(api, creditor):
    creditor.external_id = "CR-1"
    creditor.save()
    assert put(api, "/api/v1/products/P-AUTO/", {"creditor": "CR-1", "name": "Автолизинг"}).status_code == 201
    org = {"name": "ООО «Вектор»", "inn": "7707083893", "kpp": "773601001", "status": "active"}
    assert put(api, "/api/v1/organizations/ORG-1/", org).status_code == 201
    contract = {
        "organization": "ORG-1",
        "product": "P-AUTO",
        "number": "AL-1C-0001",
        "status": "active",
        "amount": "3600000.00",
        "start_date": "2026-01-15",
        "end_date": "2029-01-15",
    }
    assert put(api, "/api/v1/contracts/C-1/", contract).status_code == 201
    return {"org": org, "contract": contract}


def test_no_token_wrong_token_revoked_wrong_scope_and_ip_are_refused(db, token):
    url = "/api/v1/events/"
    assert Client().get(url).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer kb_nope_nope").get(url).status_code == 401
    read_only, key = ApiToken.issue(name="BI", staff_wide=True, can_read=True, can_write=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(url).status_code == 200
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        .put("/api/v1/organizations/X/", {}, content_type="application/json")
        .status_code
        == 403
    )
    limited, limited_key = ApiToken.issue(name="ip", staff_wide=True, allowed_ips="10.0.0.0/8")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {limited_key}").get(url, REMOTE_ADDR="192.0.2.1").status_code == 403
    assert Client(HTTP_AUTHORIZATION=f"Bearer {limited_key}").get(url, REMOTE_ADDR="10.1.2.3").status_code == 200
    ApiToken.objects.filter(pk=read_only.pk).update(revoked_at=timezone.now())
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(url).status_code == 401
    assert ApiToken.objects.get(pk=limited.pk).last_used_at is not None
    assert key not in str(ApiToken.objects.filter(pk=read_only.pk).values().get())


def test_a_session_cookie_does_not_authenticate_the_api(client_a):
    assert client_a.get("/api/v1/events/").status_code == 401


def test_upserts_are_idempotent(api, base):
    again = put(api, "/api/v1/organizations/ORG-1/", base["org"])
    assert again.status_code == 200 and again.json()["changed"] is False
    assert Organization.objects.filter(inn="7707083893").count() == 1
    assert put(api, "/api/v1/contracts/C-1/", base["contract"]).json()["changed"] is False
    assert Contract.objects.filter(external_id="C-1").count() == 1


def test_bad_input_is_a_400_naming_the_field(api, base):
    bad_inn = put(api, "/api/v1/organizations/ORG-2/", {**base["org"], "inn": "7707083894"})
    assert bad_inn.status_code == 400 and "inn" in bad_inn.json()
    unknown = put(api, "/api/v1/contracts/C-2/", {**base["contract"], "organization": "NOPE"})
    assert unknown.status_code == 400 and "NOPE" in unknown.json()["organization"][0]
    assert not Contract.objects.filter(external_id="C-2").exists()


def test_an_accept_header_without_json_is_a_documented_406_and_writes_nothing(api, base):
    # schemathesis found it with a junk header: the answer was right, the document did not list it.
    refused = api.put(
        "/api/v1/contracts/C-9/", {**base["contract"]}, content_type="application/json", HTTP_ACCEPT="+\t$xxsd"
    )
    assert refused.status_code == 406
    assert not Contract.objects.filter(external_id="C-9").exists()
    document = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/contracts/{external_id}/", "/api/v1/contracts/{external_id}/schedule/"):
        assert "406" in document["paths"][path]["put"]["responses"]


def test_a_schedule_is_replaced_atomically_and_the_organization_is_told(api, base, org_a):
    rows = [
        {
            "number": n,
            "due_date": str(date(2026, 2, 15) + timedelta(days=30 * n)),
            "amount": "118983.33",
            "vat_rate": "22",
        }
        for n in range(1, 37)
    ]
    response = put(api, "/api/v1/contracts/C-1/schedule/", {"payments": rows})
    assert response.json() == {"created": 36, "updated": 0, "deleted": 0, "unchanged": 0, "warnings": []}
    assert put(api, "/api/v1/contracts/C-1/schedule/", {"payments": rows}).json() == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": 36,
        "warnings": [],
    }
    payment = ScheduledPayment.objects.get(contract__external_id="C-1", number=1)
    assert payment.vat_amount == Decimal("21456.01") and payment.organization.inn == "7707083893"
    broken = [*rows[:10], {"number": 11, "due_date": "not a date", "amount": "1", "vat_rate": "22"}]
    bad = put(api, "/api/v1/contracts/C-1/schedule/", {"payments": broken})
    assert bad.status_code == 400 and "due_date" in str(bad.json())
    assert ScheduledPayment.objects.filter(contract__external_id="C-1").count() == 36  # nothing half-written
    put(api, "/api/v1/contracts/C-1/schedule/", {"payments": rows[:30]})
    assert ScheduledPayment.objects.filter(contract__external_id="C-1").count() == 30


def test_payments_received_in_bulk_all_or_nothing(api, base):
    rows = [{"number": n, "due_date": "2026-03-15", "amount": "100.00", "vat_rate": "22"} for n in range(1, 4)]
    put(api, "/api/v1/contracts/C-1/schedule/", {"payments": rows})
    paid = [{"external_id": "PP-1", "contract": "C-1", "amount": "100.00", "received_on": "2026-03-14"}]
    wrong = [
        *paid,
        {
            "external_id": "PP-2",
            "contract": "C-1",
            "amount": "1",
            "received_on": "2026-03-14",
            "allocations": [{"number": 99, "amount": "1"}],
        },
    ]
    response = api.post("/api/v1/payments/", {"payments": wrong}, content_type="application/json")
    assert response.status_code == 400 and "1" in response.json()["payments"]
    assert not ScheduledPayment.objects.get(contract__external_id="C-1", number=1).is_paid
    answer = api.post("/api/v1/payments/", {"payments": paid}, content_type="application/json").json()
    assert answer == {"created": 1, "updated": 0, "unchanged": 0}
    assert ScheduledPayment.objects.get(contract__external_id="C-1", number=1).is_paid


def test_a_document_upload_with_an_idempotency_key_creates_one_document(api, base, token):
    def send():
        return api.post(
            "/api/v1/documents/",
            {
                "external_id": "DOC-1",
                "organization": "ORG-1",
                "contract": "C-1",
                "category": "accounting",
                "doc_type": "Акт сверки",
                "title": "Акт сверки за 2026",
                "document_date": "2026-03-31",
                "file": SimpleUploadedFile("акт.pdf", b"%PDF-1.4 act"),
            },
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, second = send(), send()
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Document.objects.filter(external_id="DOC-1").count() == 1


def test_the_event_feed_returns_what_clients_did_without_repeats(api, org_a, admin_a, settings):
    settings.API_EVENT_LAG_SECONDS = 0
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(
            kind="new_leasing", description="Нужен самосвал", full_name="x", phone="+79000000000"
        ),
    )
    first = api.get("/api/v1/events/").json()
    assert [e["kind"] for e in first["events"]] == ["appeal.created"]
    assert first["events"][0]["payload"]["number"] == appeal.number
    again = api.get("/api/v1/events/", {"after": first["next"]}).json()
    assert again["events"] == [] and again["next"] == first["next"]
    settings.API_EVENT_LAG_SECONDS = 60
    appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="new_leasing", description="x", full_name="x", phone="+79000000000"),
    )
    assert api.get("/api/v1/events/", {"after": first["next"]}).json()["events"] == []  # not yet visible
    assert ApiEvent.objects.count() == 2


def test_request_status_through_the_api_follows_the_same_rules(api, org_a, admin_a, manager_a):
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="new_leasing", description="x", full_name="x", phone="+79000000000"),
    )
    refused = api.post(
        f"/api/v1/requests/{appeal.number}/status/", {"status": "closed"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "status" in refused.json()
    ok = api.post(
        f"/api/v1/requests/{appeal.number}/status/",
        {"status": "review", "comment": "Смотрим"},
        content_type="application/json",
    )
    assert ok.json() == {"number": appeal.number, "status": "review"}
    assert Notification.objects.filter(kind="appeal_status", user=manager_a).exists()
    assert (
        api.post("/api/v1/requests/UC-NOPE/status/", {"status": "review"}, content_type="application/json").status_code
        == 404
    )


def test_the_openapi_document_and_the_docs_page(api, client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/contracts/{external_id}/schedule/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_a_contract_status_change_through_the_api_notifies(api, base, org_a):
    org = Organization.objects.get(external_id="ORG-1")
    from kabinet.testing.factories import MembershipFactory

    member = MembershipFactory(organization=org)
    put(api, "/api/v1/contracts/C-1/", {**base["contract"], "status": "closed"})
    assert Notification.objects.filter(user=member.user, kind="contract_status").exists()


def test_schedules_of_many_contracts_in_one_call_with_a_bounded_number_of_queries(api, base):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n, offset):
        for i in range(n):
            put(api, f"/api/v1/contracts/B-{offset + i}/", {**base["contract"], "number": f"B-{offset + i}"})
        return [
            {
                "contract": f"B-{offset + i}",
                "payments": [
                    {"number": k, "due_date": "2027-01-15", "amount": "100.00", "vat_rate": "22"} for k in range(1, 37)
                ],
            }
            for i in range(n)
        ]

    def call(entries):
        with CaptureQueriesContext(connection) as ctx:
            response = api.post("/api/v1/schedules/", {"schedules": entries}, content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json(), len(ctx.captured_queries)

    small, small_queries = call(make(2, 0))
    large, large_queries = call(make(20, 100))
    assert small["created"] == 72 and large["created"] == 720
    # Ten times the contracts and rows: only the insert batches grow (SQLite caps a statement's parameters;
    # PostgreSQL takes 2,000 rows a statement), never a query per contract or per row.
    assert large_queries <= small_queries + 720 // 70
    unknown = api.post(
        "/api/v1/schedules/", {"schedules": [{"contract": "NOPE", "payments": []}]}, content_type="application/json"
    )
    assert unknown.status_code == 400 and "NOPE" in str(unknown.json())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="concurrent transactions are a PostgreSQL test (CI runs it there)",
)
def test_the_feed_loses_and_repeats_nothing_under_concurrent_writes(settings, org_a):
    import threading
    import time as time_module

    from django.db import connection as main_connection
    from django.db import transaction

    from kabinet.audit.services import record_event

    settings.API_EVENT_LAG_SECONDS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _, key = ApiToken.issue(name="poller", staff_wide=True, can_read=True)
    done = threading.Event()

    def writer(n):
        from django.db import connection

        try:
            for i in range(8):
                with transaction.atomic():
                    record_event(event="appeal.created", organization=org_a, payload={"writer": n, "i": i})
                    time_module.sleep(0.05 * ((n + i) % 3))  # commits land out of id order
        finally:
            connection.close()

    seen: list[int] = []

    def poller():
        from django.db import connection

        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        cursor = 0
        try:
            while True:
                feed = client.get("/api/v1/events/", {"after": cursor}).json()
                seen.extend(e["id"] for e in feed["events"])
                cursor = feed["next"]
                if done.is_set() and not feed["events"]:
                    break
                time_module.sleep(0.1)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    reader = threading.Thread(target=poller)
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    time_module.sleep(settings.API_EVENT_LAG_SECONDS + 0.5)
    done.set()
    reader.join(timeout=30)
    main_connection.close()
    assert len(seen) == len(set(seen)) == 32
    assert sorted(seen) == sorted(ApiEvent.objects.values_list("pk", flat=True))


def test_items_policies_debts_and_creditors_are_upserted_and_shown_to_the_client(api, base, org_a):
    from kabinet.contracts.models import BooksDebt, InsurancePolicy, LeasedItem
    from kabinet.testing.factories import MembershipFactory

    item = {"contract": "C-1", "make": "Kia", "model": "Rio", "vin": "Z94C241BBLR123456", "plate": "А123ВС78"}
    assert put(api, "/api/v1/leased-items/I-1/", item).status_code == 201
    assert put(api, "/api/v1/leased-items/I-1/", item).json()["changed"] is False
    bad_vin = put(api, "/api/v1/leased-items/I-2/", {**item, "vin": "OOOOOOOOOOOOOOOOO"})
    assert bad_vin.status_code == 400 and "vin" in bad_vin.json()
    policy = {
        "contract": "C-1",
        "kind": "КАСКО",
        "insurer": "САО «ВСК»",
        "policy_number": "1-2",
        "start_date": "2026-01-15",
        "end_date": "2027-01-14",
        "status": "active",
    }
    assert put(api, "/api/v1/insurance-policies/P-1/", policy).status_code == 201
    assert put(api, "/api/v1/contracts/C-1/debt/", {"amount": "1000.00", "as_of": "2026-11-27"}).status_code == 200
    assert put(api, "/api/v1/contracts/NOPE/debt/", {"amount": "1", "as_of": "2026-11-27"}).status_code == 404
    item_row = LeasedItem.objects.get(external_id="I-1")
    assert item_row.organization.external_id == "ORG-1" and item_row.plate_key == "A123BC78"
    assert InsurancePolicy.objects.get(external_id="P-1").organization_id == item_row.organization_id
    assert BooksDebt.objects.get(contract__external_id="C-1").amount == Decimal("1000.00")
    member = MembershipFactory(organization=item_row.organization)
    client = Client()
    client.force_login(member.user)
    contract = Contract.objects.get(external_id="C-1")
    assert "Z94C241BBLR123456" in client.get(f"/contracts/{contract.pk}/items/").content.decode()
    assert "1 000,00" in client.get("/dashboard/").content.decode().replace("\u202f", " ").replace("\u00a0", " ")
    assert (
        put(
            api,
            "/api/v1/creditors/CR-1/",
            {
                "name": "ООО «Балтийский лизинг»",
                "short_name": "БАЛТЛИЗ",
                "inn": "7812345675",
                "kpp": "783801001",
                "bank_name": "ПАО Сбербанк",
                "bic": "044030653",
                "settlement_account": "40702810855000012345",
                "correspondent_account": "30101810500000000653",
            },
        ).status_code
        == 400
    )  # the account's control key does not match the BIC
