"""«Документы» for an organization with thousands of contracts and documents: a contract
picker instead of a list of every contract, a capped count, one
markup per document."""

from __future__ import annotations

from datetime import date, timedelta

from kabinet.documents.models import Document
from kabinet.documents.tests.conftest import make_document
from kabinet.testing.factories import ContractFactory


def test_the_filter_has_no_list_of_every_contract_but_a_picker(client_a, org_a, products, library):
    for n in range(30):
        ContractFactory(organization=org_a, product=products["auto"], number=f"ZZ-{n:05d}")
    html = client_a.get("/documents/").content.decode()
    assert "ZZ-00017" not in html  # no <option> per contract
    assert 'role="combobox"' in html and 'name="contract"' in html
    assert 'aria-controls="f-contract-list"' in html


def test_the_picker_suggests_at_most_ten_contracts_of_the_own_organization(client_a, org_a, org_b, products):
    for n in range(15):
        ContractFactory(organization=org_a, product=products["auto"], number=f"AL-77-{n:05d}")
    ContractFactory(organization=org_b, product=products["auto"], number="AL-77-99999")
    response = client_a.get("/documents/contracts/", {"contract": "al-77", "list": "f-contract-list"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count('role="option"') == 10
    assert "AL-77-00000" in html and "AL-77-99999" not in html
    assert 'id="f-contract-list"' in html
    nothing = client_a.get("/documents/contracts/", {"contract": "нет-такого"}).content.decode()
    assert 'role="option"' not in nothing and "Договор не найден" in nothing


def test_the_picker_is_for_signed_in_members_only(client, org_a):
    assert client.get("/documents/contracts/", {"contract": "AL"}).status_code == 302
    assert client.get("/documents/requests/", {"appeal": "1"}).status_code == 302


def test_the_request_filter_is_a_picker_of_the_own_organizations_latest_requests(client_a, org_a, org_b, library):
    from kabinet.appeals.models import Appeal

    for n in range(15):
        Appeal.objects.create(organization=org_a, number=f"77{n:02d}", kind="contract", description="x")
    Appeal.objects.create(organization=org_b, number="7799", kind="contract", description="x")
    html = client_a.get("/documents/uploaded/").content.decode()
    assert "<option value" not in html.split('name="appeal"')[1][:300]  # no list of every request
    assert html.count('name="appeal"') == 2 and 'aria-controls="f-appeal-list"' in html
    response = client_a.get("/documents/requests/", {"appeal": "77", "list": "f-appeal-list"})
    found = response.content.decode()
    assert response.status_code == 200 and "<html" not in found
    assert found.count('role="option"') == 10  # the latest ten
    assert 'data-value="7714"' in found and 'data-value="7700"' not in found and "7799" not in found
    nothing = client_a.get("/documents/requests/", {"appeal": "нет"}).content.decode()
    assert 'role="option"' not in nothing and "Заявка не найдена" in nothing


def test_an_exact_number_filters_one_contract_even_if_others_contain_it(client_a, org_a, products):
    short = ContractFactory(organization=org_a, product=products["auto"], number="AL-1")
    longer = ContractFactory(organization=org_a, product=products["auto"], number="AL-10")
    make_document(org_a, title="Первый", contract=short)
    make_document(org_a, title="Второй", contract=longer)
    html = client_a.get("/documents/", {"contract": "AL-1"}).content.decode()
    assert "Первый" in html and "Второй" not in html


def _bulk_documents(org, n):
    Document.objects.bulk_create(
        Document(
            organization=org,
            doc_type="Акт",
            title=f"Акт № {i}",
            document_date=date(2026, 1, 1) - timedelta(days=i % 300),
            file=f"documents/x/{i}.pdf",
            original_name=f"Акт № {i}.pdf",
        )
        for i in range(n)
    )


def test_a_big_result_is_not_counted_exactly(client_a, org_a, settings):
    _bulk_documents(org_a, 1003)
    html = client_a.get("/documents/").content.decode()
    assert "Более 1\u00a0000 документов" in html or "Более 1 000 документов" in html
    assert "1003" not in html and "1\u00a0003" not in html
    last = client_a.get("/documents/", {"page": 50}).content.decode()
    assert last.count('name="ids"') == 20 and "page=51" not in last  # the pages end at the cap


def test_a_small_result_is_counted_exactly(client_a, org_a):
    _bulk_documents(org_a, 25)
    html = client_a.get("/documents/").content.decode()
    assert "25 документов" in html


def test_each_document_is_rendered_once_and_the_file_name_only_when_it_says_more(client_a, org_a):
    make_document(org_a, title="Акт приёма-передачи № 5", name="Акт приёма-передачи № 5.pdf", doc_type="Акт")
    make_document(org_a, title="УПД № 7", name="scan_0007.pdf", doc_type="УПД")
    html = client_a.get("/documents/").content.decode()
    assert html.count("Акт приёма-передачи № 5") == 3  # the name, and the two aria-labels of the row
    assert "Акт приёма-передачи № 5.pdf" not in html
    assert "scan_0007.pdf" in html
    assert "text-truncate" not in html.split('data-testid="documents-table"', 1)[1]
