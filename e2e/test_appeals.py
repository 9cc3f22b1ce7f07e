"""Requests in the browser: the three forms from the main page, the list, the card, withdrawal; staff work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.test_contract_card import settled
from e2e.test_journeys import confirm_by_sms, sign_in
from kabinet.appeals import services
from kabinet.appeals.models import Appeal, AppealTopic
from kabinet.testing.factories import PASSWORD, ContractFactory


@pytest.fixture
def portal(transactional_db, admin_a, org_a, products):
    AppealTopic.objects.create(kind="contract", name="Акт сверки")
    AppealTopic.objects.create(
        kind="contract",
        name="Досрочный выкуп",
        extra_fields=[{"name": "date", "label": "Желаемая дата выкупа", "type": "date", "required": True}],
    )
    AppealTopic.objects.create(kind="insurance", name="Страховой случай")
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00700")


def send_from_main_page(page, card_title, fill):
    page.goto(page.base_url + "/dashboard/")
    page.locator(".card", has_text=card_title).get_by_role("link", name="Подать").click()
    dialog = page.locator("#appeal-modal")
    expect(dialog.get_by_role("button", name="Отправить")).to_be_visible()
    settled(page)
    fill(dialog)
    dialog.get_by_role("button", name="Отправить").click()
    expect(dialog.get_by_text(re.compile(r"Заявка UC-\d+ отправлена"))).to_be_visible()
    dialog.get_by_role("button", name="Закрыть").click()


def test_client_sends_each_type_sees_the_list_and_withdraws(page, portal, admin_a):
    sign_in(page, str(admin_a.phone))

    def leasing(dialog):
        expect(dialog.get_by_label("ФИО")).to_have_value(admin_a.full_name)
        dialog.get_by_label("Описание").fill("Нужен самосвал на 20 тонн")

    def contract(dialog):
        dialog.get_by_label("Тема обращения").select_option(label="Досрочный выкуп")
        expect(dialog.get_by_label("Желаемая дата выкупа")).to_be_visible()
        settled(page)
        dialog.get_by_label("Желаемая дата выкупа").fill("2027-02-01")
        dialog.locator("#a-contract").select_option(label="AL-26-00700")
        dialog.get_by_label("Описание").fill("Хотим выкупить досрочно")

    def insurance(dialog):
        dialog.get_by_label("Тема обращения").select_option(label="Страховой случай")
        settled(page)
        dialog.locator("#a-contract").select_option(label="AL-26-00700")
        dialog.get_by_label("Описание").fill("Повреждение бампера")

    send_from_main_page(page, "Заявка на новый лизинг", leasing)
    send_from_main_page(page, "Обращение по договору", contract)
    send_from_main_page(page, "Обращение по страхованию", insurance)
    assert Appeal.objects.count() == 3

    page.get_by_role("link", name="Заявки", exact=True).click()
    rows = page.get_by_test_id("appeals-table").locator("tbody tr")
    expect(rows).to_have_count(3)
    buyout = Appeal.objects.get(topic__name="Досрочный выкуп")
    page.get_by_role("link", name=buyout.number).click()
    expect(page.get_by_text("01.02.2027")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("ОТПРАВЛЕНА")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Отозвать").click()
    expect(page.get_by_test_id("status")).to_have_text("ОТОЗВАНА")
    expect(page.get_by_role("button", name="Отозвать")).to_have_count(0)


def test_staff_move_a_request_and_the_client_sees_history_and_notification(page, portal, admin_a, org_a, staff):
    appeal = services.appeal_create(
        org=org_a,
        user=admin_a,
        data=services.AppealInput(
            kind="contract",
            topic=AppealTopic.objects.get(name="Акт сверки"),
            contract=portal,
            description="Акт за 2025",
        ),
    )
    page.goto(page.base_url + "/admin/login/")
    page.get_by_label("Телефон").fill(str(staff.phone))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    confirm_by_sms(page, staff)
    page.goto(page.base_url + f"/admin/appeals/appeal/{appeal.pk}/change/")
    page.get_by_label("Изменить статус на").select_option(label="В работе")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.goto(page.base_url + f"/admin/appeals/appeal/{appeal.pk}/change/")
    page.get_by_label("Изменить статус на").select_option(label="Требуется подтверждение")
    page.get_by_label("Сообщение клиенту").fill("Подтвердите период сверки")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.context.clear_cookies()

    sign_in(page, str(admin_a.phone))
    page.get_by_title("Уведомления").click()
    page.get_by_role("link", name=re.compile(f"Заявка {appeal.number}: Требуется подтверждение")).click()
    expect(page.get_by_test_id("history")).to_contain_text("В РАБОТЕ")
    expect(page.get_by_text("Подтвердите период сверки").first).to_be_visible()
    page.get_by_label("Ваш ответ").fill("Период — 2025 год")
    page.get_by_role("button", name="Отправить ответ").click()
    expect(page.locator(".alert-success").filter(has_text="Ответ отправлен.")).to_be_visible()
    # Answered: the status moves on, the prompt and its form go, the answer shows as sent.
    expect(page.get_by_test_id("asks-client")).to_have_count(0)
    expect(page.get_by_role("button", name="Отправить ответ")).to_have_count(0)
    expect(page.get_by_test_id("status")).to_contain_text("В работе", ignore_case=True)
    expect(page.get_by_test_id("client-answer").last).to_contain_text("Ответ отправлен")
