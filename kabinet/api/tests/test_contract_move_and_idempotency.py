"""A contract stays with its organization through the API, and one Idempotency-Key gives one document
however many tries arrive at once."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from kabinet.api.models import ApiToken, IdempotentUpload
from kabinet.contracts.models import Contract
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.testing.factories import ContractFactory, OrganizationFactory, ScheduledPaymentFactory


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", kind=ApiToken.Kind.STAFF, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_contract_cannot_move_to_another_organization(api, products):
    """Fails on the old code: the PUT moved the contract and orphaned its schedule (200)."""
    first = OrganizationFactory(external_id="ORG-1")
    OrganizationFactory(external_id="ORG-2")
    products["auto"].external_id = "P-1"
    products["auto"].save()
    contract = ContractFactory(organization=first, product=products["auto"], external_id="C-1", number="N-1")
    ScheduledPaymentFactory(contract=contract, number=1)
    body = {"organization": "ORG-2", "product": "P-1", "number": "N-1", "status": "active", "amount": "10.00"}
    response = api.put("/api/v1/contracts/C-1/", body, content_type="application/json")
    assert response.status_code == 400
    assert "cannot move to another organization" in response.json()["organization"][0]
    assert Contract.objects.get(pk=contract.pk).organization_id == first.pk
    # The same body for its own organization is an ordinary update.
    response = api.put("/api/v1/contracts/C-1/", body | {"organization": "ORG-1"}, content_type="application/json")
    assert response.status_code == 200


def _upload(api, key: str):
    form = {
        "external_id": "D-1",
        "organization": "ORG-1",
        "category": "other",
        "doc_type": "Акт",
        "title": "Акт сверки",
        "document_date": "2026-11-01",
        "file": SimpleUploadedFile("a.pdf", simple_pdf(["Акт"]), content_type="application/pdf"),
    }
    response = api.post("/api/v1/documents/", form, HTTP_IDEMPOTENCY_KEY=key)
    return response.status_code, response.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_with_one_key_give_one_201_and_the_same_answer(api):
    """On PostgreSQL the tries run in threads at once (fails on the old code: 1×201, 6×200, 1×400 — a try
    that passed the key check before the first committed hit the external id's unique index); on SQLite,
    which runs one writer at a time, they run one after another."""
    OrganizationFactory(external_id="ORG-1")
    tries = 8
    answers: list[tuple[int, dict]] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(tries)

        def work():
            from django.db import connection as thread_connection  # reason: each thread's own connection

            try:
                barrier.wait()
                answers.append(_upload(api, "key-1"))
            except Exception as exc:  # a failing try is an answer too, not a silent thread
                answers.append((500, {"error": repr(exc)}))
            finally:
                thread_connection.close()

        threads = [threading.Thread(target=work) for _ in range(tries)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        answers = [_upload(api, "key-1") for _ in range(tries)]
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (tries - 1) + [201], answers
    assert len({tuple(sorted(body.items())) for _, body in answers}) == 1
    assert Document.objects.count() == 1 and IdempotentUpload.objects.get().document_id == answers[0][1]["id"]
