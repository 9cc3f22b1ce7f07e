"""Re-sent and reversed payments: the answer counts what happened, and a reversal is undone only by its
own call (docs/ledger-rules.md)."""

from __future__ import annotations

import pytest

from kabinet.api.tests.test_api import api, base, put, token  # noqa: F401 (fixtures)
from kabinet.contracts.models import PaymentReceived, ScheduledPayment

PAY = {"external_id": "PP-1", "contract": "C-1", "amount": "100.00", "received_on": "2026-03-14"}


@pytest.fixture
def paid(api, base):  # noqa: F811
    rows = [{"number": n, "due_date": "2026-03-15", "amount": "100.00", "vat_rate": "22"} for n in (1, 2)]
    put(api, "/api/v1/contracts/C-1/schedule/", {"payments": rows})
    answer = api.post("/api/v1/payments/", {"payments": [PAY]}, content_type="application/json").json()
    assert answer == {"created": 1, "updated": 0, "unchanged": 0}
    return api


def _send(api, rows):  # noqa: F811
    return api.post("/api/v1/payments/", {"payments": rows}, content_type="application/json").json()


def _line_paid(number: int) -> bool:
    return ScheduledPayment.objects.get(contract__external_id="C-1", number=number).is_paid


def test_a_payment_sent_again_as_stored_is_unchanged_and_a_changed_one_updated(paid):
    # Old code: {"created": 0, "updated": 1} for the identical row.
    assert _send(paid, [PAY]) == {"created": 0, "updated": 0, "unchanged": 1}
    assert _send(paid, [{**PAY, "amount": "200.00"}]) == {"created": 0, "updated": 1, "unchanged": 0}
    assert _line_paid(2)


def test_a_payment_re_sent_after_its_reversal_stays_reversed_and_says_unchanged(paid):
    reversal = paid.post(
        "/api/v1/payments/PP-1/reversal/", {"reversed_on": "2026-03-20"}, content_type="application/json"
    )
    assert reversal.status_code == 200 and not _line_paid(1)
    # Old code: "updated": 1 while nothing changed.
    assert _send(paid, [PAY]) == {"created": 0, "updated": 0, "unchanged": 1}
    assert PaymentReceived.objects.get(external_id="PP-1").reversed_on is not None and not _line_paid(1)


def test_undoing_a_reversal_is_its_own_call(paid):
    paid.post("/api/v1/payments/PP-1/reversal/", {"reversed_on": "2026-03-20"}, content_type="application/json")
    # Old code: 404 (no such route).
    answer = paid.post("/api/v1/payments/PP-1/unreverse/", {}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"external_id": "PP-1", "reversed_on": None, "updated": 1, "unchanged": 0}
    assert PaymentReceived.objects.get(external_id="PP-1").reversed_on is None and _line_paid(1)
    again = paid.post("/api/v1/payments/PP-1/unreverse/", {}, content_type="application/json").json()
    assert (again["updated"], again["unchanged"]) == (0, 1)
    assert paid.post("/api/v1/payments/NOPE/unreverse/", {}, content_type="application/json").status_code == 404


def test_the_openapi_documents_the_unreverse_call(client):
    schema = client.get("/api/v1/schema/")
    assert b"/api/v1/payments/{external_id}/unreverse/" in schema.content
    assert b"unchanged" in schema.content
