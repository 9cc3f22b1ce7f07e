"""The back office at the widths staff use: at 1440 px every column of the request queue is on screen
with the filter panel open; on a phone (375 px) the queue and the registrations list are cards, and no
page scrolls sideways. Also the home by task, which staff reach straight after signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.test_backoffice import staff_sign_in
from kabinet.accounts.models import Registration
from kabinet.appeals import services as appeal_services
from kabinet.testing.factories import ContractFactory, UserFactory

QUEUE_COLUMNS = ["Номер", "Тип", "Тема", "Организация", "Договор", "Статус", "Исполнитель", "Создано"]

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def queue(transactional_db, admin_a, org_a, products, staff):
    org_a.name = "Общество с ограниченной ответственностью «Альфа Строительная Техника и Логистика»"
    org_a.save()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00099")
    clerk = UserFactory(full_name="Сотрудникова Анастасия Владимировна", is_staff=True)
    for n in range(3):
        appeal = appeal_services.appeal_create(
            org=org_a,
            user=admin_a,
            data=appeal_services.AppealInput(
                kind="contract", contract=contract, description=f"Прошу акт сверки взаиморасчётов {n}"
            ),
        )
        appeal.assignee = clerk
        appeal.save(update_fields=["assignee"])
    Registration.objects.create(
        company_name="ООО «Очень Длинное Название Транспортной Компании»",
        inn="7707083893",
        full_name="Константинопольский Константин Константинович",
        phone="+79000000055",
        email="konstantin@example.com",
        status=Registration.Status.AWAITING_APPROVAL,
    )
    return staff


def _headers(page) -> list[str]:
    return [t.strip() for t in page.locator("#result_list thead th").all_text_contents() if t.strip()]


def _headers_on_screen(page) -> list[str]:
    """The column headers whose box lies wholly inside the window and is not clipped by the table's
    scroll container."""
    return page.evaluate(
        """() => {
          const results = document.querySelector('.results');
          const box = results.getBoundingClientRect();
          return Array.from(document.querySelectorAll('#result_list thead th'))
            .filter((th) => {
              const r = th.getBoundingClientRect();
              return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5
                && r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
            })
            .map((th) => th.textContent.trim()).filter(Boolean);
        }"""
    )


def test_the_queue_at_1440_shows_every_column_with_the_filters_open(page, queue):
    staff_sign_in(page, queue)
    page.goto(page.base_url + "/admin/appeals/appeal/")
    panel = page.locator("details.kb-filter-panel")
    if panel.get_attribute("open") is None:
        panel.locator("summary").first.click()
    filters = page.get_by_role("navigation", name="Фильтр")
    expect(filters.locator("summary", has_text="статус")).to_be_visible()
    expect(filters.get_by_role("link", name="Без исполнителя")).to_be_visible()
    assert _headers(page) == QUEUE_COLUMNS
    assert _headers_on_screen(page) == QUEUE_COLUMNS
    assert page.locator(".results").evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("url", ["/admin/appeals/appeal/", "/admin/accounts/registration/"])
def test_on_a_phone_the_queue_and_the_registrations_are_cards(phone_page, queue, url):
    page = phone_page
    staff_sign_in(page, queue)
    page.goto(page.base_url + url)
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.scrollingElement.scrollWidth")
    assert page.locator(".results").evaluate("e => e.scrollWidth <= e.clientWidth")
    # A card: the row is a block as wide as the list, and each value carries its column's name.
    assert rows.first.evaluate("e => getComputedStyle(e).display") != "table-row"
    expect(page.locator("#result_list thead")).to_be_hidden()
    labels = rows.first.locator("td[data-label], th[data-label]").evaluate_all(
        "cells => cells.map((c) => c.dataset.label)"
    )
    assert "Статус" in labels, labels
    status = rows.first.locator('[data-label="Статус"]')
    before = status.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Статус" in before
    expect(status).to_be_visible()


def test_staff_land_on_the_home_by_task(page, queue):
    staff_sign_in(page, queue)
    for name in ["Клиенты и регистрации", "Договоры и деньги", "Документы", "Заявки", "Поддержка"]:
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    link = page.get_by_role("link", name=re.compile(r"Регистрации, ожидающие подтверждения:\s*1"))
    link.click()
    expect(page).to_have_url(re.compile(r"/admin/accounts/registration/\?status__exact=awaiting$"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
