"""Browser journeys of the back office and the header: the header search by keyboard, the back office's work
on a request (queue, attachments, assignment, internal note the client never sees), its Russian, and
staff sign-in through the portal's own sign-in."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from e2e.test_journeys import confirm_by_sms, sign_in
from kabinet.appeals import services as appeal_services
from kabinet.documents.models import Document
from kabinet.testing.factories import PASSWORD, ContractFactory, LeasedItemFactory


def staff_sign_in(page, staff) -> None:
    page.goto(page.base_url + "/admin/")
    expect(page).to_have_url(re.compile(r"/login/\?next=%2Fadmin%2F$"))
    page.get_by_label("Номер телефона").fill(str(staff.phone))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    confirm_by_sms(page, staff)
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.fixture
def searchable(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00077")
    LeasedItemFactory(contract=contract, vin="XW8ZZZ61ZKG765432", plate="М077МР78")
    return contract


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_header_search_finds_a_contract_by_plate_and_opens_it_by_keyboard(request, viewport, admin_a, searchable):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    box = page.get_by_role("combobox", name="Найти договор, документ или заявку")
    expect(box).to_be_visible()
    box.fill("m077mp")
    option = page.get_by_role("option", name=re.compile("Договор № AL-26-00077"))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"kb-search-contracts-{searchable.pk}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/contracts/{searchable.pk}/$"))
    # Escape closes the list.
    box = page.get_by_role("combobox", name="Найти договор, документ или заявку")
    box.fill("AL-26")
    expect(page.get_by_role("option").first).to_be_visible()
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")


@pytest.fixture
def appeal_with_file(transactional_db, admin_a, org_a, products, staff):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00088")
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="contract", contract=contract, description="Прошу акт сверки"),
    )
    document = Document(
        organization=org_a,
        appeal=appeal,
        direction=Document.Direction.UPLOADED,
        doc_type="Заявление",
        title="Заявление",
        original_name="Заявление клиента.pdf",
        document_date=date(2026, 3, 1),
        size=8,
    )
    document.file.save("z.pdf", ContentFile(b"%PDF-1.4"), save=False)
    document.save()
    return appeal


def test_staff_work_a_request_in_the_back_office(page, browser, live_server, staff, admin_a, appeal_with_file):
    appeal = appeal_with_file
    staff_sign_in(page, staff)
    expect(page.get_by_text("Idempotent uploads")).to_have_count(0)
    expect(page.get_by_text("Task Results")).to_have_count(0)
    page.locator('a[href="/admin/appeals/appeal/"]').first.click()
    expect(page.get_by_role("heading", name="Выберите заявку для изменения")).to_be_visible()
    queue = page.get_by_role("navigation", name="Очередь работы")
    expect(queue.get_by_role("link", name=re.compile(r"1\s+Новые"))).to_be_visible()
    queue.get_by_role("link", name=re.compile("Новые")).click()
    page.get_by_role("link", name=appeal.number).click()
    expect(page.get_by_role("heading", name="Изменить заявку")).to_be_visible()
    # The file list starts where the other fields' values do, not 160 px further (the admin's list indent).
    files = page.locator("ul.kb-files")
    assert files.evaluate("e => getComputedStyle(e).marginLeft") == "0px"
    with page.expect_download() as download:
        page.get_by_role("link", name="Заявление клиента.pdf").click()
    assert download.value.suggested_filename == "Заявление клиента.pdf"
    page.get_by_label("Исполнитель").select_option(label=str(staff))
    page.get_by_label("Внутренняя заметка").fill("Проверить полномочия подписанта")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.get_by_text(f"Заявка «{appeal.number}» была изменена.")).to_be_visible()
    # The client never sees the note.
    client = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    client_page = client.new_page()
    client_page.base_url = live_server.url
    sign_in(client_page, str(admin_a.phone))
    client_page.goto(f"{live_server.url}/requests/{appeal.pk}/")
    expect(client_page.get_by_text(appeal.number).first).to_be_visible()
    expect(client_page.get_by_text("Проверить полномочия")).to_have_count(0)
    client.close()


def test_staff_session_ends_with_the_browser_without_remember_me(page, staff):
    staff_sign_in(page, staff)
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert cookie["expires"] == -1  # a browser-session cookie, not 30 days
