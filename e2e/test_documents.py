"""«Документы» in the browser: filter in place, select documents, download one ZIP, upload a file."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest
from playwright.sync_api import expect

from e2e.test_contract_card import settled
from e2e.test_journeys import sign_in
from kabinet.core.testing import ContractFactory
from kabinet.documents.tests.conftest import make_document


@pytest.fixture
def documents(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00900")
    for n in range(1, 6):
        make_document(org_a, title=f"Акт сверки № {n}", contract=contract, day=date(2026, 1, n))
    make_document(
        org_a, title="Договор лизинга AL-26-00900", doc_type="Договор лизинга", category="deal", contract=contract
    )
    return contract


def test_select_documents_and_download_one_zip(page, documents, admin_a, tmp_path):
    sign_in(page, str(admin_a.phone))
    page.get_by_role("link", name="Документы").first.click()
    expect(page.get_by_test_id("documents-table").locator("tbody tr")).to_have_count(6)
    page.get_by_label("Поиск по документам").fill("акт сверки")
    expect(page).to_have_url(re.compile(r"q="))
    expect(page.get_by_test_id("documents-table").locator("tbody tr")).to_have_count(5)
    settled(page)
    page.get_by_role("link", name="Выбрать документы").click()
    page.get_by_label("Выбрать «Акт сверки № 2»").check()
    page.get_by_label("Выбрать «Акт сверки № 4»").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2")
    with page.expect_download() as download:
        page.get_by_role("button", name="Скачать ZIP").click()
    target = tmp_path / "docs.zip"
    download.value.save_as(target)
    assert sorted(zipfile.ZipFile(target).namelist()) == ["Акт сверки № 2.pdf", "Акт сверки № 4.pdf"]


def test_upload_a_document_to_the_creditor(page, documents, admin_a, tmp_path):
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/documents/uploaded/")
    page.get_by_text("Отправить документы кредитору").click()
    bad = tmp_path / "счёт.pdf"
    bad.write_text("<html><body>not a pdf</body></html>")
    page.get_by_label("Файлы").set_input_files(str(bad))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_text("такой тип файла не принимается")).to_be_visible()
    good = tmp_path / "Платёжное поручение.pdf"
    good.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("Файлы").set_input_files(str(good))
    page.locator("#up-contract").select_option(label="AL-26-00900")
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_text("Отправлено файлов: 1")).to_be_visible()
    expect(page.get_by_test_id("documents-table")).to_contain_text("Платёжное поручение.pdf")
