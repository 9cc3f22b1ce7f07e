"""The body `POST /api/v1/payments/` took up to release 0.1.0 (a line's paid total) keeps working under
/v1/ until its end date: translated to payments of the difference, repeat-safe, with Deprecation and
Sunset headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from kabinet.api import legacy
from kabinet.api.models import ApiToken
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, PaymentReceived

D = Decimal


@pytest.fixture
def api(db):
    # What the upgrade made of a token of that release: staff-wide, without the requisites scope.
    _, secret = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def contract(api, creditor):
    creditor.external_id = "CR-1"
    creditor.save()

    def put(url, data):
        response = api.put(url, data, content_type="application/json")
        assert response.status_code in (200, 201), response.content

    put("/api/v1/products/P-AUTO/", {"creditor": "CR-1", "name": "Автолизинг"})
    put(
        "/api/v1/organizations/ORG-1/",
        {"name": "ООО «Вектор»", "inn": "7707083893", "kpp": "773601001", "status": "active"},
    )
    put(
        "/api/v1/contracts/C-1/",
        {"organization": "ORG-1", "product": "P-AUTO", "number": "AL-1C-0001", "status": "active", "amount": "300.00"},
    )
    rows = [{"number": n, "due_date": f"2026-0{n + 2}-15", "amount": "100.00", "vat_rate": "22"} for n in (1, 2, 3)]
    put("/api/v1/contracts/C-1/schedule/", {"payments": rows})
    return Contract.objects.get(external_id="C-1")


def old(api, *rows):
    body = {"payments": [{"contract": "C-1", "number": n, "paid_amount": a, "paid_date": d} for n, a, d in rows]}
    return api.post("/api/v1/payments/", body, content_type="application/json")


def paid(contract):
    return [line.paid_amount for line in ledger.contract_ledger(contract, today=date(2026, 12, 1)).lines]


def test_the_old_body_sets_paid_totals_through_payments_of_the_difference(api, contract):
    response = old(api, (1, "100.00", "2026-03-14"), (2, "40.00", "2026-04-20"))
    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 2}
    assert response["Deprecation"] == "@1796515200"  # 2026-12-06
    assert response["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert 'rel="deprecation"' in response["Link"]
    assert paid(contract) == [D("100.00"), D("40.00"), D("0.00")]

    # A repeat changes nothing.
    assert old(api, (1, "100.00", "2026-03-14"), (2, "40.00", "2026-04-20")).status_code == 200
    assert PaymentReceived.objects.filter(contract=contract).count() == 2

    # The running total grows: a payment of the difference, dated by the row.
    assert old(api, (2, "70.00", "2026-04-25")).status_code == 200
    line2 = PaymentReceived.objects.filter(contract=contract).latest("id")
    assert (line2.amount, line2.received_on) == (D("30.00"), date(2026, 4, 25))
    assert paid(contract) == [D("100.00"), D("70.00"), D("0.00")]

    # It shrinks (the books corrected it): the latest payment is reversed, the rest paid again.
    assert old(api, (2, "50.00", "2026-04-28")).status_code == 200
    assert paid(contract) == [D("100.00"), D("50.00"), D("0.00")]
    line2.refresh_from_db()
    assert line2.reversed_on == date(2026, 4, 28)
    assert old(api, (2, "50.00", "2026-04-28")).status_code == 200
    assert PaymentReceived.objects.filter(contract=contract).count() == 4


def test_the_old_body_keeps_its_errors_and_the_new_body_gets_no_deprecation(api, contract):
    response = old(api, (9, "1.00", "2026-03-14"))
    assert response.status_code == 400
    assert "No payment 9 of contract «C-1»." in str(response.json())
    assert old(api, (1, "-1", "2026-03-14")).status_code == 400
    assert not PaymentReceived.objects.exists()
    new = {"payments": [{"external_id": "PP-1", "contract": "C-1", "amount": "100.00", "received_on": "2026-03-14"}]}
    response = api.post("/api/v1/payments/", new, content_type="application/json")
    assert response.status_code == 200 and "Deprecation" not in response


def test_after_the_end_date_the_old_body_is_refused(api, contract, monkeypatch):
    monkeypatch.setattr(legacy, "SUNSET_ON", date(2026, 1, 1))
    assert old(api, (1, "100.00", "2026-03-14")).status_code == 400
    row = {"number": 1, "due_date": "2026-03-15", "amount": "100.00", "vat_rate": "22", "paid_amount": "1.00"}
    response = api.put("/api/v1/contracts/C-1/schedule/", {"payments": [row]}, content_type="application/json")
    assert response.status_code == 400 and "paid_amount" in str(response.json())


def test_old_schedule_rows_with_paid_totals_become_payments(api, contract):
    rows = [
        {"number": 1, "due_date": "2026-03-15", "amount": "100.00", "vat_rate": "22", "paid_amount": "100.00"},
        {"number": 2, "due_date": "2026-04-15", "amount": "100.00", "vat_rate": "22", "paid_amount": "25.00"},
        {"number": 3, "due_date": "2026-05-15", "amount": "100.00", "vat_rate": "22", "paid_amount": "0"},
    ]
    for _ in range(2):  # a repeat changes nothing
        response = api.put("/api/v1/contracts/C-1/schedule/", {"payments": rows}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert paid(contract) == [D("100.00"), D("25.00"), D("0.00")]
    first = PaymentReceived.objects.get(contract=contract, allocations__line__number=1)
    assert first.received_on == date(2026, 3, 15)  # no paid date sent: the due date
    assert PaymentReceived.objects.filter(contract=contract).count() == 2

    rows[1]["paid_amount"], rows[1]["paid_date"] = "100.00", "2026-04-16"
    bulk = {"schedules": [{"contract": "C-1", "payments": rows}]}
    response = api.post("/api/v1/schedules/", bulk, content_type="application/json")
    assert response.status_code == 200, response.content
    assert "Deprecation" in response
    assert paid(contract) == [D("100.00"), D("100.00"), D("0.00")]

    # Today's body (no paid fields) keeps the payments and says nothing of deprecation.
    for row in rows:
        row.pop("paid_amount"), row.pop("paid_date", None)
    response = api.put("/api/v1/contracts/C-1/schedule/", {"payments": rows}, content_type="application/json")
    assert response.status_code == 200 and "Deprecation" not in response
    assert paid(contract) == [D("100.00"), D("100.00"), D("0.00")]


def test_the_old_body_keeps_the_one_money_limit_with_a_400_on_the_field(api, contract):
    """One limit of 15 significant digits for money, the old body too (it took 16)."""
    response = old(api, (1, "99999999999999.99", "2026-04-01"))
    assert response.status_code == 400
    assert "paid_amount" in str(response.json())
    assert not PaymentReceived.objects.exists()
    assert old(api, (1, "100.00", "2026-04-01")).status_code == 200
