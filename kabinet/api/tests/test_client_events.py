"""The client's event feed: what the lessor's side did about the organization — contracts created and
changed, schedules changed, payments received, invoices issued, documents added, request statuses —
emitted where those writes happen, heard by the organization's own token only (never echoed to a
creditor's feed, never another organization's)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals import services as appeal_services
from kabinet.audit.models import CLIENT_ONLY_EVENT_KINDS
from kabinet.contracts.admin import ContractAdmin
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.invoices import services as invoice_services
from kabinet.testing.factories import ContractFactory


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def put(client: Client, url: str, data: dict):
    response = client.put(url, data, content_type="application/json")
    assert response.status_code in (200, 201), response.content[:300]
    return response


@pytest.fixture
def lessor(db, creditor):
    creditor.external_id = "CR-1"
    creditor.save()
    _token, key = ApiToken.issue(name="1С лизингодателя", creditor=creditor, can_write=True)
    return api(key)


def test_the_lessors_writes_reach_the_clients_feed_and_no_one_elses(lessor, creditor, org_a, org_b, admin_a, settings):
    settings.API_EVENT_LAG_SECONDS = 0
    org_a.external_id, org_b.external_id = "ORG-A", "ORG-B"
    org_a.save()
    org_b.save()
    creditor.clients.add(org_a)
    put(lessor, "/api/v1/products/P-1/", {"creditor": "CR-1", "name": "Автолизинг"})
    contract = {"organization": "ORG-A", "product": "P-1", "number": "AL-1", "status": "active", "amount": "1000.00"}
    put(lessor, "/api/v1/contracts/C-1/", contract)
    put(lessor, "/api/v1/contracts/C-1/", {**contract, "amount": "1200.00"})
    put(lessor, "/api/v1/contracts/C-1/", {**contract, "amount": "1200.00"})  # unchanged: no event
    rows = [{"number": n, "due_date": f"2026-0{n}-15", "amount": "100.00", "vat_rate": "22"} for n in (1, 2)]
    put(lessor, "/api/v1/contracts/C-1/schedule/", {"payments": rows})
    put(lessor, "/api/v1/contracts/C-1/schedule/", {"payments": rows})  # sent again as stored: no event
    paid = [{"external_id": "PP-1", "contract": "C-1", "amount": "100.00", "received_on": "2026-01-14"}]
    for _again in range(2):  # the second time unchanged: no event
        answer = lessor.post("/api/v1/payments/", {"payments": paid}, content_type="application/json")
        assert answer.status_code == 200
    upload = lessor.post(
        "/api/v1/documents/",
        {
            "external_id": "DOC-1",
            "organization": "ORG-A",
            "contract": "C-1",
            "category": "accounting",
            "doc_type": "Акт сверки",
            "title": "Акт сверки",
            "document_date": "2026-03-31",
            "file": SimpleUploadedFile("акт.pdf", b"%PDF-1.4 act"),
        },
    )
    assert upload.status_code in (200, 201), upload.content[:300]
    line = ScheduledPayment.objects.get(contract__external_id="C-1", number=2)
    invoice = invoice_services.payment_invoice_issue(org=org_a, payment_id=line.pk)
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="new_leasing", description="x", full_name="x", phone="+79000000000"),
    )
    status = lessor.post(
        f"/api/v1/requests/{appeal.number}/status/", {"status": "review"}, content_type="application/json"
    )
    assert status.status_code == 200, status.content[:300]

    own = api(ApiToken.issue(name="1С", organization=org_a)[1]).get("/api/v1/client/events/").json()["results"]
    kinds = [e["kind"] for e in own]
    assert kinds == [
        "contract.created",
        "contract.changed",
        "schedule.changed",
        "payment.received",
        "document.published",
        "invoice.issued",
        "appeal.status",
    ]
    assert set(kinds) == {*CLIENT_ONLY_EVENT_KINDS, ApiEvent.Kind.APPEAL_STATUS}, "every client kind is emitted"
    by_kind = {e["kind"]: e["payload"] for e in own}
    assert by_kind["payment.received"]["amount"] == "100.00" and by_kind["payment.received"]["contract"] == "AL-1"
    assert by_kind["invoice.issued"]["number"] == invoice.number
    assert by_kind["invoice.issued"]["pdf"].endswith(f"/api/v1/client/invoices/{invoice.pk}/pdf/")
    assert by_kind["document.published"]["doc_type"] == "Акт сверки"

    # Another organization's token hears nothing of it; the creditor's own feed gets no echo of its writes.
    other = api(ApiToken.issue(name="1С Б", organization=org_b)[1]).get("/api/v1/client/events/").json()
    assert other["results"] == []
    feed = lessor.get("/api/v1/events/").json()["events"]
    assert not {e["kind"] for e in feed} & set(CLIENT_ONLY_EVENT_KINDS)


def test_a_contract_staff_change_in_the_back_office_reaches_the_client_too(org_a, products, staff, settings, rf):
    settings.API_EVENT_LAG_SECONDS = 0
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-BO")
    request = rf.post("/admin/contracts/contract/")
    request.user = staff
    contract.amount = Decimal("5.00")
    ContractAdmin(Contract, admin.site).save_model(
        request, contract, SimpleNamespace(changed_data=["amount"]), change=True
    )
    ContractAdmin(Contract, admin.site).save_model(request, contract, SimpleNamespace(changed_data=[]), change=True)
    events = api(ApiToken.issue(name="1С", organization=org_a)[1]).get("/api/v1/client/events/").json()["results"]
    assert [(e["kind"], e["payload"]["contract"]) for e in events] == [("contract.changed", "AL-BO")]
