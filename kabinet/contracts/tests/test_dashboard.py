from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.core.testing import ContractFactory, DebtFactory, ScheduledPaymentFactory


def _calendar(org_a, products, count):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-CAL-1")
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, due_date=today - timedelta(days=1), amount=Decimal("7.00"))
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=1), is_paid=True, amount=Decimal("8.00"))
    for n in range(count):
        ScheduledPaymentFactory(
            contract=contract, number=n + 10, due_date=today + timedelta(days=n + 2), amount=Decimal(100 + n)
        )
    return contract


def test_the_calendar_shows_the_next_ten_unpaid_payments(client_a, org_a, products):
    _calendar(org_a, products, 14)
    response = client_a.get("/dashboard/")
    payments = response.context["payments"]
    assert [p.amount for p in payments] == [Decimal(100 + n) for n in range(10)]
    html = response.content.decode()
    assert "Платежный календарь" in html and "Показать еще" in html


def test_the_calendar_tells_the_date_of_the_data(client_a, org_a, products):
    assert "Данные актуальны на" not in client_a.get("/dashboard/").content.decode()
    org_a.data_as_of = timezone.make_aware(timezone.datetime(2026, 9, 26, 12, 0))
    org_a.save()
    assert "Данные актуальны на 26.09.2026" in client_a.get("/dashboard/").content.decode()


def test_show_more_appends_the_next_rows_in_place(client_a, org_a, products):
    _calendar(org_a, products, 14)
    response = client_a.get("/dashboard/", {"shown": 20}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.count("<tr") == 4
    assert all(f"{110 + n},00" in html for n in range(4))
    assert "109,00" not in html
    assert "Показать еще" not in html
    # Without JavaScript the same link shows the first twenty rows.
    assert len(client_a.get("/dashboard/", {"shown": 20}).context["payments"]) == 14


def test_the_calendar_is_scoped_to_the_organization(client_a, org_a, contract_b, products):
    ScheduledPaymentFactory(contract=contract_b, due_date=timezone.localdate() + timedelta(days=3))
    assert list(client_a.get("/dashboard/").context["payments"]) == []


def test_overdue_debt_is_shown_only_when_there_is_debt(client_a, org_a, products, contract_b):
    DebtFactory(contract=contract_b, amount=Decimal("999.00"))
    assert "Просроченная задолженность" not in client_a.get("/dashboard/").content.decode()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-DEBT-1")
    DebtFactory(contract=contract, amount=Decimal("100000.00"))
    html = client_a.get("/dashboard/").content.decode()
    assert "Просроченная задолженность" in html
    assert "100\u202f000,00\u00a0₽" in html and "AL-DEBT-1" in html and "Развернуть" in html


def test_the_dashboard_query_count_does_not_grow_with_rows(client_a, org_a, products):
    _calendar(org_a, products, 3)
    with CaptureQueriesContext(connection) as small:
        client_a.get("/dashboard/")
    for n in range(30):
        contract = ContractFactory(organization=org_a, product=products["auto"])
        ScheduledPaymentFactory(contract=contract, due_date=timezone.localdate() + timedelta(days=n + 1))
        DebtFactory(contract=contract)
    with CaptureQueriesContext(connection) as large:
        client_a.get("/dashboard/")
    assert len(large.captured_queries) == len(small.captured_queries)
