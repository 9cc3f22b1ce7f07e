from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.contracts.models import Contract
from kabinet.testing.factories import ContractFactory, LeasedItemFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse


@pytest.fixture
def contracts_a(org_a, products):
    active = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00001")
    closed = ContractFactory(
        organization=org_a, product=products["truck"], number="KT-22-00002", status=Contract.Status.CLOSED
    )
    no_data = ContractFactory(
        organization=org_a, product=products["auto"], number="AL-26-00003", status=Contract.Status.NO_DATA
    )
    LeasedItemFactory(contract=active, vin="XW8AN2NE5JH012345", plate="А123ВС78")
    LeasedItemFactory(contract=closed, vin="Z94K241CBMR654321", plate="Е456КХ198")
    return {"active": active, "closed": closed, "no_data": no_data}


def _rows(response) -> list[list[str]]:
    """The table's rows as the user reads them (an empty list shows no table)."""
    tables = parse(response).find_all("table", data_testid="contracts-table")
    return tables[0].rows() if tables else []


def _numbers(response) -> list[str]:
    return [row[1] for row in _rows(response)]


def test_it_lists_only_the_organizations_contracts(client_a, contracts_a, contract_b):
    response = client_a.get("/contracts/")
    assert sorted(_numbers(response)) == ["AL-26-00001", "AL-26-00003", "KT-22-00002"]
    assert contract_b.number not in response.content.decode()


def test_it_shows_the_columns_of_the_manual(client_a, contracts_a):
    ScheduledPaymentFactory(
        contract=contracts_a["active"], due_date=timezone.localdate() + timedelta(days=5), amount=Decimal("99562.65")
    )
    html = client_a.get("/contracts/").content.decode()
    for text in ("Номер договора", "Тип договора", "Ближайший платёж", "Сумма договора"):
        assert text in html
    assert "Договор активен" in html and "Договор закрыт" in html and "Нет данных" in html
    assert "99\u202f562,65\u00a0₽" in html
    assert (timezone.localdate() + timedelta(days=5)).strftime("%d.%m.%Y") in html


def test_the_next_payment_is_the_soonest_unpaid_one_from_today(client_a, contracts_a):
    contract = contracts_a["active"]
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, due_date=today - timedelta(days=3), amount=Decimal("1.00"))
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=3), amount=Decimal("2.00"), is_paid=True)
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=40), amount=Decimal("4.00"))
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=9), amount=Decimal("3.00"))
    row = next(row for row in _rows(client_a.get("/contracts/")) if row[1] == contract.number)
    assert row[3] == f"{(today + timedelta(days=9)):%d.%m.%Y} · 3,00\u00a0₽"


def test_it_filters_by_type_and_status(client_a, contracts_a, products):
    assert _numbers(client_a.get("/contracts/", {"product": products["truck"].pk})) == ["KT-22-00002"]
    assert _numbers(client_a.get("/contracts/", {"status": "no_data"})) == ["AL-26-00003"]
    assert _numbers(client_a.get("/contracts/", {"status": "active", "product": products["auto"].pk})) == [
        "AL-26-00001"
    ]


def test_unknown_filter_values_are_ignored_not_an_error(client_a, contracts_a):
    response = client_a.get("/contracts/", {"status": "bogus", "product": "x", "page": "zzz"})
    assert response.status_code == 200
    assert len(_numbers(response)) == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AL-26-00001", ["AL-26-00001"]),
        ("00002", ["KT-22-00002"]),
        ("xw8an2ne5jh012345", ["AL-26-00001"]),
        ("JH0123", ["AL-26-00001"]),
        ("А123ВС78", ["AL-26-00001"]),
        ("a123bc78", ["AL-26-00001"]),
        ("A 123 BC 78", ["AL-26-00001"]),
        ("е456кх", ["KT-22-00002"]),
        ("E456KX 198", ["KT-22-00002"]),
        ("nothing-like-it", []),
    ],
)
def test_it_searches_by_number_vin_and_plate(client_a, contracts_a, query, expected):
    assert sorted(_numbers(client_a.get("/contracts/", {"q": query}))) == expected


def test_search_never_finds_another_organizations_contract(client_a, contracts_a, contract_b):
    LeasedItemFactory(contract=contract_b, vin="WDB9066331S123456", plate="М777ММ77")
    assert _numbers(client_a.get("/contracts/", {"q": "M777MM77"})) == []
    assert _numbers(client_a.get("/contracts/", {"q": "WDB9066331S123456"})) == []
    assert _numbers(client_a.get("/contracts/", {"q": contract_b.number})) == []


def test_an_empty_result_offers_to_reset_the_filters(client_a, contracts_a):
    html = client_a.get("/contracts/", {"q": "nothing"}).content.decode()
    assert "Ничего не найдено" in html
    assert "Сбросить фильтры" in html


def test_it_paginates_on_the_server_and_keeps_filters_in_page_links(client_a, org_a, products, settings):
    settings.KABINET_PAGE_SIZE = 5
    for n in range(12):
        ContractFactory(organization=org_a, product=products["auto"], number=f"AL-{n:04d}")
    first = client_a.get("/contracts/", {"product": products["auto"].pk})
    assert len(_numbers(first)) == 5
    html = first.content.decode()
    assert [a.text for a in parse(html).find("ul", class_="pagination").find_all("a")] == ["2", "3", "»"]
    assert f"?product={products['auto'].pk}&amp;page=2" in html
    third = client_a.get("/contracts/", {"product": products["auto"].pk, "page": 3})
    assert len(_numbers(third)) == 2
    assert set(_numbers(first)).isdisjoint(_numbers(third))


def test_htmx_requests_get_only_the_results_fragment(client_a, contracts_a):
    response = client_a.get("/contracts/", {"q": "AL-26"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "AL-26-00001" in html and "KT-22-00002" not in html


def _page_queries(client, url) -> int:
    client.get(url)  # the header's cache is warm, as on every request but the first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_contracts_page_query_count_does_not_grow_with_rows(client_a, org_a, products, settings):
    settings.KABINET_PAGE_SIZE = 200

    def add(count, offset):
        for n in range(count):
            contract = ContractFactory(organization=org_a, product=products["auto"], number=f"Q-{offset + n:05d}")
            LeasedItemFactory(contract=contract)
            ScheduledPaymentFactory(contract=contract)

    add(5, 0)
    small = _page_queries(client_a, "/contracts/?q=Q-")
    small_plain = _page_queries(client_a, "/contracts/")
    add(95, 5)
    assert len(_numbers(client_a.get("/contracts/?q=Q-"))) == 100
    assert _page_queries(client_a, "/contracts/?q=Q-") == small
    assert _page_queries(client_a, "/contracts/") == small_plain
