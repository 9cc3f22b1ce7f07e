"""`/api/v1/client/` contracts, schedules and debt: the figures the client's pages show (the ledger's
selectors), across every creditor of the organization, by cursor, in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.contracts.models import Contract
from kabinet.documents.models import Document
from kabinet.invoices import services as invoice_services
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    ProductFactory,
    ScheduledPaymentFactory,
)
from kabinet.testing.pages import card_figures, debt_rows, debt_total

TODAY = timezone.localdate()


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _contract(org, product, number: str, *, paid: str = "0") -> Contract:
    contract = ContractFactory(organization=org, product=product, number=number, amount=Decimal("900000.00"))
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=TODAY - timedelta(days=20),
        amount=Decimal("1000.00"),
        paid_amount=Decimal(paid) if paid != "0" else None,
    )
    ScheduledPaymentFactory(contract=contract, number=2, due_date=TODAY - timedelta(days=5), amount=Decimal("500.00"))
    ScheduledPaymentFactory(contract=contract, number=3, due_date=TODAY + timedelta(days=25), amount=Decimal("700.00"))
    return contract


def _all(reader: Client, path: str, limit: int = 2) -> list[dict]:
    rows: list[dict] = []
    after = 0
    while True:
        page = reader.get(f"{path}?after={after}&limit={limit}")
        assert page.status_code == 200, page.content[:300]
        body = page.json()
        if not body["results"]:
            return rows
        rows += body["results"]
        after = body["next"]


@pytest.fixture
def key(org_a) -> str:
    return ApiToken.issue(name="1С", organization=org_a)[1]


@pytest.mark.django_db
def test_contracts_and_schedules_across_creditors_with_the_cards_figures(org_a, org_b, products, key, client_a):
    other = ProductFactory(creditor=CreditorFactory(name="ООО «Другой лизинг»"), name="Оборудование")
    a1 = _contract(org_a, products["auto"], "AL-1", paid="400.00")
    a2 = _contract(org_a, other, "EQ-2")
    _contract(org_b, products["auto"], "B-1")
    reader = api(key)

    contracts = _all(reader, "/api/v1/client/contracts/", limit=1)
    assert [c["number"] for c in contracts] == ["AL-1", "EQ-2"]
    assert {c["creditor"] for c in contracts} == {a1.product.creditor.name, "ООО «Другой лизинг»"}
    # «Просрочено» as the contract's card shows it.
    for row, contract in zip(contracts, (a1, a2), strict=True):
        _remaining, overdue = card_figures(client_a.get(reverse("contracts:detail", args=[contract.pk])))
        assert Decimal(row["overdue"]) == overdue
        assert row["next_due_date"] == (TODAY + timedelta(days=25)).isoformat()
        assert row["next_amount"] == "700.00"
    assert Decimal(contracts[0]["overdue"]) == Decimal("1100.00")

    lines = _all(reader, "/api/v1/client/schedules/")
    assert len(lines) == 6 and {line["contract"] for line in lines} == {"AL-1", "EQ-2"}
    first = next(line for line in lines if line["contract"] == "AL-1" and line["number"] == 1)
    assert (first["paid_amount"], first["outstanding"], first["status"]) == ("400.00", "600.00", "overdue")
    statuses = {(line["contract"], line["number"]): line["status"] for line in lines}
    assert statuses[("EQ-2", 3)] == "unpaid" and statuses[("EQ-2", 2)] == "overdue"


@pytest.mark.django_db
def test_a_paid_line_says_paid(org_a, products, key):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-P")
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=TODAY - timedelta(days=3), amount=Decimal("300.00"), is_paid=True
    )
    (line,) = _all(api(key), "/api/v1/client/schedules/")
    assert (line["status"], line["paid_amount"], line["outstanding"]) == ("paid", "300.00", "0.00")


@pytest.mark.django_db
def test_the_debt_is_the_main_pages_with_the_books_figure(org_a, org_b, products, key, client_a):
    a1 = _contract(org_a, products["auto"], "AL-1")
    a2 = _contract(org_a, products["truck"], "AL-2")
    _contract(org_b, products["auto"], "B-1")
    # The books say more is owed on AL-2 than the portal sees: the books' figure is the contract's debt.
    DebtFactory(contract=a2, amount=Decimal("5000.00"), as_of=TODAY)

    debt = api(key).get("/api/v1/client/debt/").json()
    page = client_a.get(reverse("contracts:dashboard"))
    assert Decimal(debt["total"]) == debt_total(page) > 0
    assert [(r["contract_id"], Decimal(r["amount"])) for r in debt["results"]] == debt_rows(page)
    books = next(r for r in debt["results"] if r["contract_id"] == a2.pk)
    assert books["books"]["amount"] == "5000.00" and books["books"]["as_of"] == TODAY.isoformat()
    assert Decimal(books["amount"]) == Decimal("5000.00")
    plain = next(r for r in debt["results"] if r["contract_id"] == a1.pk)
    assert plain["books"] is None and plain["portal"] == plain["amount"] == "1500.00"
    assert sum(Decimal(line["amount"]) for line in plain["lines"]) == Decimal("1500.00")

    # Paged by its cursor: every contract once, the largest debt first.
    reader = api(key)
    first = reader.get("/api/v1/client/debt/?limit=1").json()
    second = reader.get(f"/api/v1/client/debt/?limit=1&after={first['next']}").json()
    assert [r["contract_id"] for r in first["results"] + second["results"]] == [a2.pk, a1.pk]
    assert second["next"] == "" and first["count"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["contracts", "schedules", "debt", "invoices", "documents", "requests", "events"])
def test_each_list_reads_in_a_constant_number_of_queries(org_a, products, key, path, settings):
    settings.API_EVENT_LAG_SECONDS = 0

    def grow(n: int) -> None:
        contract = _contract(org_a, products["truck" if n % 2 else "auto"], f"Q-{n}")
        line = contract.payments.order_by("number").last()
        assert line is not None
        invoice_services.payment_invoice_issue(org=org_a, payment_id=line.pk)  # an invoice and its event
        Document.objects.create(
            organization=org_a,
            contract=contract,
            doc_type="УПД",
            title=f"УПД {n}",
            document_date=TODAY,
            file=SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4"),
            original_name=f"{n}.pdf",
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api(key).get(f"/api/v1/client/{path}/?limit=500")
        assert response.status_code == 200, response.content[:300]
        return len(captured)

    grow(1)
    few = queries()
    for n in range(2, 6):
        grow(n)
    assert queries() == few
