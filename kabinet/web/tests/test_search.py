"""The header search: contracts by number, VIN or plate, documents and requests of the
selected organization, grouped; nothing of another organization; no query added to every page; a
constant number of queries however many rows match."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from kabinet.appeals import services as appeal_services
from kabinet.documents.models import Document
from kabinet.testing.factories import ContractFactory, LeasedItemFactory


def make_document(org, title, contract=None):
    document = Document(
        organization=org,
        direction="incoming",
        doc_type="Акт сверки",
        title=title,
        contract=contract,
        document_date=date(2026, 3, 1),
        original_name=f"{title}.pdf",
    )
    document.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4"), save=False)
    document.save()
    return document


@pytest.fixture
def data(org_a, org_b, admin_a, user_b, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00042")
    LeasedItemFactory(contract=contract, vin="XW8ZZZ61ZKG123456", plate="Е001КХ78")
    other = ContractFactory(organization=org_b, product=products["auto"], number="AL-26-00043")
    LeasedItemFactory(contract=other, vin="XW8ZZZ61ZKG999999", plate="Е002КХ78")
    make_document(org_a, "Акт сверки AL-26-00042 за март", contract)
    make_document(org_b, "Акт сверки AL-26-00043 чужой", other)
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="contract", contract=contract, description="Досрочный выкуп самосвала"),
    )
    appeal_services.appeal_create(
        org=org_b, user=user_b, data=appeal_services.AppealInput(kind="new_leasing", description="Чужой самосвал")
    )
    return contract, appeal


def test_contracts_are_found_by_number_vin_and_a_plate_typed_in_latin(client_a, data):
    contract, _appeal = data
    for q in ("00042", "ZKG123456", "e001kx", "Е 001 КХ"):
        html = client_a.get("/search/", {"q": q}, HTTP_HX_REQUEST="true").content.decode()
        assert f"/contracts/{contract.pk}/" in html, q
        assert "AL-26-00043" not in html, q


def test_results_are_grouped_and_never_another_organizations(client_a, data):
    _contract, appeal = data
    html = client_a.get("/search/", {"q": "AL-26-00042"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'role="listbox"' in html and html.count('role="group"') == 3  # the request names the contract too
    assert "Договоры" in html and "Документы" in html
    assert "Акт сверки AL-26-00042 за март" in html
    requests_html = client_a.get("/search/", {"q": "самосвал"}, HTTP_HX_REQUEST="true").content.decode()
    assert appeal.number in requests_html and "Заявки" in requests_html
    assert "Чужой" not in requests_html and "чужой" not in requests_html
    assert "ничего не найдено" in client_a.get("/search/", {"q": "AL-26-00043"}).content.decode()


def test_a_short_query_asks_for_more_and_runs_no_search(client_a, data):
    with CaptureQueriesContext(connection) as queries:
        html = client_a.get("/search/", {"q": "a"}, HTTP_HX_REQUEST="true").content.decode()
    assert "хотя бы два символа" in html
    assert not any("contracts_contract" in q["sql"] and "LIKE" in q["sql"].upper() for q in queries)


def test_without_javascript_the_search_is_a_page(client_a, data):
    contract, _appeal = data
    html = client_a.get("/search/", {"q": "00042"}).content.decode()
    assert "<h1" in html and f"/contracts/{contract.pk}/" in html


def test_the_header_box_is_static_and_costs_no_query(client_a, data):
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("components/header_search.html", request=request)
    assert len(queries) == 0
    assert 'role="combobox"' in html and 'aria-controls="kb-search-list"' in html and 'hx-get="/search/"' in html
    page = client_a.get("/dashboard/").content.decode()
    assert 'id="kb-search-input"' in page and "js/search.js" in page


def test_the_search_costs_the_same_queries_for_many_matches(client_a, org_a, products, admin_a):
    ContractFactory(organization=org_a, product=products["auto"], number="MANY-1")
    client_a.get("/search/", {"q": "MANY"}, HTTP_HX_REQUEST="true")  # the header cache is warm in both
    with CaptureQueriesContext(connection) as few:
        client_a.get("/search/", {"q": "MANY"}, HTTP_HX_REQUEST="true")
    for n in range(2, 20):
        contract = ContractFactory(organization=org_a, product=products["auto"], number=f"MANY-{n}")
        make_document(org_a, f"MANY документ {n}", contract)
        appeal_services.appeal_create(
            org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="new_leasing", description=f"MANY {n}")
        )
    client_a.get("/search/", {"q": "MANY"}, HTTP_HX_REQUEST="true")  # new rows invalidate the cache once
    with CaptureQueriesContext(connection) as many:
        html = client_a.get("/search/", {"q": "MANY"}, HTTP_HX_REQUEST="true").content.decode()
    assert len(many) == len(few)
    assert html.count("Все результаты") == 3


def test_the_search_needs_a_sign_in(client):
    response = client.get("/search/", {"q": "AL"})
    assert response.status_code == 302 and "/login/" in response["Location"]
