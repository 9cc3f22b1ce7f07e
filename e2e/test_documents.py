"""«Документы» in the browser: filter in place, select documents, download one ZIP, upload a file."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest
from playwright.sync_api import expect

from e2e.test_contract_card import settled
from e2e.test_journeys import sign_in
from kabinet.documents.tests.conftest import make_document
from kabinet.testing.factories import ContractFactory


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
    # htmx (a deferred script) listens for typing only once the page has loaded: the rows appear before.
    page.wait_for_load_state("load")
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
    page.locator("#up-contract").fill("00900")  # the contract picker: type, then choose
    page.get_by_role("option", name=re.compile("AL-26-00900")).click()
    expect(page.locator("#up-contract")).to_have_value("AL-26-00900")
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_text("Отправлено файлов: 1")).to_be_visible()
    expect(page.get_by_test_id("documents-table")).to_contain_text("Платёжное поручение.pdf")


def _doc_screenshot(page, name):
    import os

    folder = os.environ.get("KABINET_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_contract_filter_is_a_search_as_you_type_picker(page, documents, admin_a, org_a, products):
    for n in range(40):
        ContractFactory(organization=org_a, product=products["auto"], number=f"ZZ-{n:05d}")
    other = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00901")
    make_document(org_a, title="Акт по другому договору", contract=other)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/documents/")
    expect(page.get_by_test_id("documents-table").locator("tbody tr")).to_have_count(7)
    picker = page.get_by_role("combobox", name="Договор", exact=True)
    picker.fill("0090")
    listbox = page.get_by_role("listbox", name="Найденные договоры")
    expect(listbox.get_by_role("option")).to_have_count(2)
    picker.press("ArrowDown")
    expect(picker).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    picker.press("Enter")
    expect(picker).to_have_value("AL-26-00900")
    expect(page).to_have_url(re.compile(r"contract=AL-26-00900"))
    expect(page.get_by_test_id("documents-table").locator("tbody tr")).to_have_count(6)
    expect(page.get_by_test_id("documents-table")).not_to_contain_text("Акт по другому договору")
    _doc_screenshot(page, "documents-picker-1440")


@pytest.mark.parametrize("width", [375, 1440])
def test_documents_read_well_at_phone_and_desktop_widths(browser, live_server, documents, admin_a, org_a, width):
    make_document(
        org_a,
        title="Акт приёма-передачи предмета лизинга по договору AL-26-00900 от 15.01.2026",
        doc_type="Акт приёма-передачи",
        contract=documents,
        name="scan_0001.pdf",
    )
    # A file name that only repeats the document's name (less its «№») is not a line of its own.
    make_document(org_a, title="Счёт № 77", doc_type="Счёт", contract=documents, name="Счёт 77.pdf")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.base_url = live_server.url
    try:
        sign_in(page, str(admin_a.phone))
        page.goto(page.base_url + "/documents/")
        table = page.get_by_test_id("documents-table")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(8)
        expect(rows.filter(has_text="Счёт № 77")).not_to_contain_text("Счёт 77.pdf")
        row = rows.filter(has_text="Акт приёма-передачи предмета лизинга")
        name = row.locator(".kb-doc-name .fw-semibold")
        # The whole name is shown: not cut with an ellipsis, not clipped.
        whole = "e => e.scrollWidth <= e.clientWidth + 1 && getComputedStyle(e).textOverflow !== 'ellipsis'"
        assert name.evaluate(whole)
        box = name.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        # No checkboxes outside «Выбрать документы».
        expect(row.locator("input[name=ids]")).to_be_hidden()
        expect(row.get_by_role("link", name=re.compile("Скачать"))).to_be_visible()
        if width == 375:
            # One card: type, name, contract, date, «скачать»; nothing wider than the screen.
            expect(row).to_contain_text("Акт приёма-передачи")
            expect(row.get_by_role("cell", name="Договор: AL-26-00900")).to_be_visible()
            expect(row.get_by_text("скачать")).to_be_visible()
            expect(row.locator(".kb-doc-product")).to_be_hidden()
            # «скачать» sits under the card's text, so the name has the card's whole width.
            link = row.get_by_role("link", name=re.compile("Скачать")).bounding_box()
            assert link["y"] >= box["y"] + box["height"]
            assert box["width"] > 250
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        _doc_screenshot(page, f"documents-{width}")
        page.get_by_role("link", name="Выбрать документы").click()
        expect(row.locator("input[name=ids]")).to_be_visible()
        _doc_screenshot(page, f"documents-select-{width}")
    finally:
        context.close()


def test_on_a_phone_the_request_picker_finds_an_old_request_and_ties_the_upload_to_it(
    phone_page, documents, admin_a, org_a, tmp_path
):
    from kabinet.appeals.models import Appeal
    from kabinet.documents.models import Document

    old = Appeal.objects.create(organization=org_a, number="4711", kind="contract", description="Старое обращение")
    # More newer requests than the old select listed (200): the old one could not be chosen there.
    Appeal.objects.bulk_create(
        Appeal(organization=org_a, number=f"6{n:03d}", kind="contract", description="x") for n in range(205)
    )
    page = phone_page
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/documents/uploaded/")
    page.get_by_text("Отправить документы кредитору").click()
    scan = tmp_path / "Ответ на обращение.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("Файлы").set_input_files(str(scan))
    picker = page.locator("#up-appeal")  # the upload form's «Заявка» (the filter has one too)
    expect(picker).to_have_attribute("role", "combobox")
    picker.fill("471")
    listbox = page.get_by_role("listbox", name="Найденные заявки")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box = listbox.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # the list fits the phone's screen
    _doc_screenshot(page, "documents-request-picker-375")
    listbox.get_by_role("option", name=re.compile("4711")).click()
    expect(picker).to_have_value("4711")
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_text("Отправлено файлов: 1")).to_be_visible()
    assert Document.objects.get(original_name="Ответ на обращение.pdf").appeal == old


def test_a_word_search_shows_more_in_place_without_page_numbers(page, documents, admin_a, settings):
    settings.KABINET_PAGE_SIZE = 2
    sign_in(page, str(admin_a.phone))
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/documents/?q=акт")
    rows = page.get_by_test_id("documents-table").locator("tbody tr:not(.kb-more-row)")
    expect(rows).to_have_count(2)
    page.wait_for_load_state("load")
    for shown in (4, 5):
        page.get_by_role("link", name="Показать ещё").click()
        expect(rows).to_have_count(shown)
    expect(page.get_by_role("link", name="Показать ещё")).to_have_count(0)
    names = [rows.nth(i).locator(".kb-doc-name .fw-semibold").inner_text() for i in range(5)]
    assert names == [f"Акт сверки № {n}" for n in (5, 4, 3, 2, 1)]
    assert "q=" in page.url and "after=" not in page.url  # the address stays that of the search
