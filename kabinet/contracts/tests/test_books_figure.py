"""The books' debt figure (PUT /api/v1/contracts/{id}/debt/) is what the client owes on its date: rolled
forward to today it is the contract's debt on the main page, the card, the debt XLSX, the debt invoice and
its QR. Each test is named after the row of docs/ledger-rules.md («The books' debt figure») it enforces.

The example of the report: the books say 171 500,00, the portal's own records 166 222,21. Before, the
headline, the invoice and the QR asked for 166 222,21 (a client paying it stayed 5 277,79 in arrears by
the books); a contract in debt by the books only showed «0,00 ₽» without an invoice button yet was
counted in «Договоров с просрочкой»."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.contracts import ledger
from kabinet.core.money import vat_included
from kabinet.core.xlsx import read_workbook
from kabinet.invoices.models import Invoice
from kabinet.invoices.selectors import with_status
from kabinet.testing.factories import ContractFactory

TODAY = timezone.localdate()
D = TODAY - timedelta(days=5)
BOOKS = Decimal("171500.00")
PORTAL = Decimal("166222.21")
NOT_ITEMIZED = Decimal("5277.79")


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def put(api, url, data):
    response = api.put(url, data, content_type="application/json")
    return response


def pay(api, external_id, amount, on=TODAY, contract="B-1"):
    row = {"external_id": external_id, "contract": contract, "received_on": str(on), "amount": str(amount)}
    response = api.post("/api/v1/payments/", {"payments": [row]}, content_type="application/json")
    assert response.status_code == 200, response.content


def schedule(api, rows, contract="B-1"):
    payments = [
        {"number": n, "due_date": str(due), "amount": str(amount), "vat_rate": str(rate)}
        for n, (due, amount, rate) in enumerate(rows, start=1)
    ]
    response = put(api, f"/api/v1/contracts/{contract}/schedule/", {"payments": payments, "allow_vat_mismatch": True})
    assert response.status_code == 200, response.content


@pytest.fixture
def contract(org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-B-1", external_id="B-1")


@pytest.fixture
def example(api, contract):
    """The portal: 166 222,21 overdue (two lines due before D, 22 %); the books: 171 500,00 on D."""
    schedule(
        api,
        [
            (TODAY - timedelta(days=40), Decimal("100000.00"), 22),
            (TODAY - timedelta(days=10), Decimal("66222.21"), 22),
            (TODAY + timedelta(days=20), Decimal("50000.00"), 22),
        ],
    )
    answer = put(api, "/api/v1/contracts/B-1/debt/", {"amount": str(BOOKS), "as_of": str(D)})
    assert answer.status_code == 200, answer.content
    return answer.json()


def card(client, contract):
    """The card's figures as its page shows them (the page answers; the figures from the card's selector)."""
    assert client.get(f"/contracts/{contract.pk}/").status_code == 200
    return ledger.contract_card(contract)


def debt_block(client):
    """The main page's debt block (the page answers; the block from its selector, for the organization)."""
    page = client.get("/dashboard/")
    assert page.status_code == 200
    return ledger.org_debt(page.wsgi_request.org)


def test_rule_b1_the_headline_is_the_books_figure_everywhere(api, client_a, contract, example):
    assert (example["debt_today"], example["not_itemized"]) == ("171500.00", "5277.79")
    block = debt_block(client_a)
    (row,) = block.rows
    assert (block.total, row.amount, row.portal) == (BOOKS, BOOKS, PORTAL)  # before: 166 222,21
    assert card(client_a, contract).debt == BOOKS
    html = client_a.get("/dashboard/").content.decode()
    assert "171\u202f500,00" in html and f"по данным учёта на {D:%d.%m.%Y}" in html
    sheet = read_workbook(b"".join(client_a.get("/debt/export.xlsx").streaming_content)).active
    first = next(iter(sheet.iter_rows(min_row=3)))
    assert [c.value for c in first][:2] == ["AL-B-1", 171500]


def test_rule_b1_charges_due_since_add_and_credits_since_subtract(api, client_a, contract, example):
    # A line falling due after D (and before today) adds to the books' figure.
    schedule(
        api,
        [
            (TODAY - timedelta(days=40), Decimal("100000.00"), 22),
            (TODAY - timedelta(days=10), Decimal("66222.21"), 22),
            (TODAY - timedelta(days=2), Decimal("10000.00"), 22),
            (TODAY + timedelta(days=20), Decimal("50000.00"), 22),
        ],
    )
    assert card(client_a, contract).debt == BOOKS + Decimal("10000.00")
    # What the client pays after D comes off: paying the portal's figure leaves the books' difference.
    pay(api, "PP-1", PORTAL)
    assert card(client_a, contract).debt == NOT_ITEMIZED + Decimal("10000.00")
    assert debt_block(client_a).total == NOT_ITEMIZED + Decimal("10000.00")
    # A payment received before D and reversed after it adds back.
    pay(api, "PP-0", Decimal("1000.00"), on=D - timedelta(days=1))
    put(api, "/api/v1/contracts/B-1/debt/", {"amount": str(BOOKS - Decimal("1000.00")), "as_of": str(D)})
    before = card(client_a, contract).debt
    response = api.post("/api/v1/payments/PP-0/reversal/", {"reversed_on": str(TODAY)}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert card(client_a, contract).debt == before + Decimal("1000.00")


def test_rule_b2_paying_the_books_figure_clears_the_debt(api, client_a, contract, example):
    """The portal spends the 5 277,79 it cannot place on the next line; by the books nothing is owed."""
    pay(api, "PP-1", BOOKS)
    state = card(client_a, contract)
    assert (state.overdue, state.debt) == (Decimal("0.00"), Decimal("0.00"))
    assert debt_block(client_a).rows == []
    # When that line falls due, the client owes it whole by the books (the portal: less its prepaid part).
    later = ledger.contract_ledger(contract, today=TODAY + timedelta(days=21))
    assert (later.overdue, later.debt) == (Decimal("50000.00") - NOT_ITEMIZED, Decimal("50000.00"))


def test_rule_b2_an_advance_held_on_the_date_is_not_counted_twice(api, client_a, contract):
    schedule(
        api, [(TODAY - timedelta(days=10), Decimal("1000.00"), 22), (TODAY - timedelta(days=2), Decimal("400.00"), 22)]
    )
    pay(api, "PP-1", Decimal("1300.00"), on=TODAY - timedelta(days=20))  # 300,00 ahead on D
    put(api, "/api/v1/contracts/B-1/debt/", {"amount": "0.00", "as_of": str(D)})
    # The 400,00 line fell due after D; the advance of 300,00 paid most of it: 100,00 owed, as the portal says.
    state = card(client_a, contract)
    assert (state.overdue, state.debt) == (Decimal("100.00"), Decimal("100.00"))


def test_rule_b3_the_portal_breakdown_and_the_line_not_itemized(api, client_a, contract, example):
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    assert "По данным портала: 166\u202f222,21" in html
    assert "Не детализировано учётом: 5\u202f277,79" in html
    agreeing = put(api, "/api/v1/contracts/B-1/debt/", {"amount": str(PORTAL), "as_of": str(D)}).json()
    assert agreeing["not_itemized"] == "0.00"
    assert "Не детализировано учётом" not in client_a.get(f"/contracts/{contract.pk}/").content.decode()


def test_rule_b4_a_single_amount_is_read_at_the_rate_of_the_latest_line_due_by_the_date(api, client_a, contract):
    schedule(
        api,
        [(TODAY - timedelta(days=40), Decimal("1000.00"), 20), (TODAY - timedelta(days=10), Decimal("1000.00"), 0)],
    )
    put(api, "/api/v1/contracts/B-1/debt/", {"amount": "2500.00", "as_of": str(D)})
    # The books' 2 500,00 is all at 0 %: +1 500,00 at 0 % and −1 000,00 at 20 % against the portal's lines,
    # so the invoice's VAT is the books' (none) while its total is their figure.
    figure = ledger.contract_ledger(contract).books_figure
    assert figure is not None
    assert [(r.rate, r.amount, r.vat) for r in figure.residual_lines] == [
        (Decimal("0"), Decimal("1500.00"), 0),
        (Decimal("20"), Decimal("-1000.00"), -vat_included(Decimal("1000.00"), Decimal("20"))),
    ]
    client_a.post(f"/invoices/debt/{contract.pk}/")
    invoice = Invoice.objects.get(kind="debt")
    assert invoice.amount == Decimal("2500.00")
    assert sum(Decimal(v["amount"]) for v in invoice.vat) == 0


def test_rule_b4_lines_per_vat_rate(api, client_a, contract):
    schedule(
        api,
        [(TODAY - timedelta(days=40), Decimal("1000.00"), 20), (TODAY - timedelta(days=10), Decimal("1000.00"), 22)],
    )
    body = {
        "lines": [{"vat_rate": "20", "amount": "1200.00"}, {"vat_rate": "22", "amount": "1000.00"}],
        "as_of": str(D),
    }
    answer = put(api, "/api/v1/contracts/B-1/debt/", body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["debt_today"] == "2200.00"
    figure = ledger.contract_ledger(contract).books_figure
    assert figure is not None
    vat = vat_included(Decimal("200.00"), Decimal("20"))
    assert [(r.rate, r.amount, r.vat) for r in figure.residual_lines] == [(Decimal("20"), Decimal("200.00"), vat)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": "2026-01-01"}, "amount"),
        ({"amount": "10.00", "lines": [{"vat_rate": "22", "amount": "9.00"}], "as_of": "2026-01-01"}, "amount"),
        (
            {"lines": [{"vat_rate": "22", "amount": "1"}, {"vat_rate": "22.00", "amount": "2"}], "as_of": "2026-01-01"},
            "lines",
        ),
        ({"lines": [{"vat_rate": "22", "amount": "-1"}], "as_of": "2026-01-01"}, "lines"),
    ],
)
def test_rule_b4_bad_lines_are_refused_on_their_field(api, contract, body, field):
    response = put(api, "/api/v1/contracts/B-1/debt/", body)
    assert response.status_code == 400 and field in response.json(), response.content


def test_rule_b4_the_previous_body_keeps_working_and_the_openapi_documents_the_lines(api, contract, client):
    response = put(api, "/api/v1/contracts/B-1/debt/", {"amount": "10.00", "penalty": "1.00", "as_of": str(D)})
    assert response.status_code == 200 and response.json()["debt_today"] == "11.00"
    schema = client.get("/api/v1/schema/").content.decode()
    assert "DebtLine" in schema and "debt_today" in schema and "not_itemized" in schema


def test_rule_b5_the_invoice_and_its_qr_ask_for_the_books_figure(api, client_a, contract, example):
    preview = client_a.get(f"/invoices/debt/{contract.pk}/").content.decode()
    assert f"Не детализировано учётом на {D:%d.%m.%Y}, НДС 22 %" in preview
    assert client_a.post(f"/invoices/debt/{contract.pk}/").status_code == 302
    invoice = Invoice.objects.get(kind="debt")
    assert invoice.amount == BOOKS  # before: 166 222,21
    assert re.search(r"\|Sum=17150000(\||$)", invoice.snapshot["qr_payload"])
    portal_vat = vat_included(Decimal("100000.00"), Decimal("22")) + vat_included(Decimal("66222.21"), Decimal("22"))
    assert invoice.vat == [{"rate": "22", "amount": str(portal_vat + vat_included(NOT_ITEMIZED, Decimal("22")))}]
    last = invoice.snapshot["lines"][-1]
    assert last["amount"] == "5277.79" and f"по данным учёта на {D:%d.%m.%Y}" in last["description"].lower()
    # A new books' figure changes what it printed: the invoice is annulled, the button issues a new one.
    put(api, "/api/v1/contracts/B-1/debt/", {"amount": "170000.00", "as_of": str(D)})
    (old,) = with_status(contract.organization, [invoice])
    assert old.status == "annulled"
    client_a.post(f"/invoices/debt/{contract.pk}/")
    assert Invoice.objects.filter(kind="debt").latest("pk").amount == Decimal("170000.00")


def test_rule_b5_books_below_the_portal_reduce_the_invoice(api, client_a, contract, example):
    put(api, "/api/v1/contracts/B-1/debt/", {"amount": "160000.00", "as_of": str(D)})
    assert card(client_a, contract).debt == Decimal("160000.00")
    client_a.post(f"/invoices/debt/{contract.pk}/")
    invoice = Invoice.objects.get(kind="debt")
    assert invoice.amount == Decimal("160000.00")
    assert invoice.snapshot["lines"][-1]["amount"] == str(Decimal("160000.00") - PORTAL)


def test_rule_b6_in_debt_by_the_books_only_listed_invoiced_and_counted(api, client_a, org_a, products):
    ContractFactory(organization=org_a, product=products["auto"], number="AL-B-2", external_id="B-2")
    zero = ContractFactory(organization=org_a, product=products["auto"], number="AL-B-3", external_id="B-3")
    schedule(api, [(TODAY + timedelta(days=20), Decimal("900.00"), 22)], contract="B-2")
    put(api, "/api/v1/contracts/B-2/debt/", {"amount": "777.00", "as_of": str(D)})
    # The books say 0,00 where the portal sees a debt: not listed, not counted (before: counted).
    schedule(api, [(TODAY - timedelta(days=30), Decimal("50.00"), 22)], contract="B-3")
    put(api, "/api/v1/contracts/B-3/debt/", {"amount": "0.00", "as_of": str(D)})
    block = debt_block(client_a)
    assert [(r.contract.number, r.amount, r.portal) for r in block.rows] == [("AL-B-2", Decimal("777.00"), 0)]
    assert block.count == len(block.rows) == 1
    html = client_a.get("/dashboard/").content.decode()
    assert "Договоров с просрочкой: 1" in html and "777,00" in html  # before: «0,00 ₽»
    row = html[html.index("AL-B-2") :]
    assert "Счёт на оплату задолженности" in row[: row.index("</tr>")]  # before: no button
    assert card(client_a, zero).debt == Decimal("0.00")
    assert client_a.post(f"/invoices/debt/{block.rows[0].contract_id}/").status_code == 302
