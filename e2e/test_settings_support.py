"""Employees, roles and history, and the support chat, in the browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.core.testing import PASSWORD
from kabinet.support import services
from kabinet.support.models import SupportThread


@pytest.fixture
def portal(transactional_db, admin_a, org_a):
    return org_a


def test_admin_adds_a_manager_who_joins_by_invitation_then_the_role_change_is_in_the_history(
    page, portal, admin_a, browser, live_server
):
    sign_in(page, str(admin_a.phone))
    page.get_by_title("Настройки").click()
    expect(page.get_by_text("Это Вы")).to_be_visible()
    page.get_by_role("button", name="Добавить сотрудника").click()
    form = page.get_by_role("dialog", name="Добавить сотрудника")
    form.get_by_label("Телефон").press_sequentially("9214445566")
    form.get_by_label("ФИО").fill("Менеджерова Марина")
    form.get_by_label("E-mail").fill("marina@example.com")
    form.get_by_label("Роль").select_option(label="Менеджер")
    form.get_by_role("button", name="Добавить").click()
    expect(page.get_by_role("heading", name="Подтвердите паролем")).to_be_visible()
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_role("button", name="Добавить сотрудника").click()
    form.get_by_label("Телефон").press_sequentially("9214445566")
    form.get_by_label("ФИО").fill("Менеджерова Марина")
    form.get_by_label("E-mail").fill("marina@example.com")
    form.get_by_label("Роль").select_option(label="Менеджер")
    form.get_by_role("button", name="Добавить").click()
    expect(page.get_by_text("Сотрудник добавлен")).to_be_visible()
    expect(page.get_by_test_id("employees")).to_contain_text("Менеджерова Марина")

    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    guest = browser.new_context(locale="ru-RU").new_page()
    guest.base_url = live_server.url
    guest.goto(link)
    guest.locator("#id_new_password1").fill("Marina-Pass-2026")
    guest.get_by_label("Новый пароль еще раз").fill("Marina-Pass-2026")
    guest.get_by_role("button", name="Сохранить").click()
    sign_in(guest, "+7 921 444-55-66", "Marina-Pass-2026")
    guest.goto(guest.base_url + "/settings/")
    expect(guest.get_by_test_id("employees")).to_contain_text("Админов Алексей")
    expect(guest.get_by_role("button", name="Добавить сотрудника")).to_have_count(0)

    page.locator("summary", has_text="Изменить: Менеджерова Марина").click()
    page.get_by_label("Роль").first.select_option(label="Администратор")
    page.get_by_role("button", name="Сохранить").first.click()
    expect(page.get_by_text("Сохранено")).to_be_visible()
    page.get_by_role("link", name="История изменений").click()
    expect(page.get_by_test_id("history")).to_contain_text("Изменена роль сотрудника")


def test_a_client_opens_a_support_thread_and_sees_the_answer_appear(page, portal, admin_a, staff):
    sign_in(page, str(admin_a.phone))
    page.get_by_title("Поддержка").click()
    page.get_by_role("link", name="Новое обращение").click()
    page.get_by_label("Тема").fill("Не открывается счёт")
    page.get_by_label("Сообщение").fill("При нажатии ничего не происходит")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_test_id("chat")).to_contain_text("При нажатии ничего не происходит")
    thread = SupportThread.objects.get()
    services.staff_reply(thread_id=thread.pk, staff=staff, body="Обновите страницу, мы исправили")
    expect(page.get_by_test_id("chat")).to_contain_text("Обновите страницу, мы исправили", timeout=10_000)
    page.goto("about:blank")  # stop the polling before the test database goes away
