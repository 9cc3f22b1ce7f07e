"""Employees, roles and history, and the support chat, in the browser."""

from __future__ import annotations

import os
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.support import services
from kabinet.support.models import SupportThread
from kabinet.testing.factories import PASSWORD


@pytest.fixture
def portal(transactional_db, admin_a, org_a):
    return org_a


WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 375, "height": 812}}


def _context_page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, locale="ru-RU", is_mobile=viewport["width"] < 500)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


def _shot(page, name: str) -> None:
    """Screenshots for a person to look at, when E2E_SCREENSHOTS names a folder."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _fill_employee(form, phone="+7 921 444-55-66"):
    form.get_by_label("Телефон").fill(phone)
    form.get_by_label("ФИО").fill("Менеджерова Марина")
    form.get_by_label("E-mail").fill("marina@example.com")
    form.get_by_label("Роль", exact=True).select_option(label="Менеджер")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_admin_adds_an_employee_in_one_dialog_and_the_new_phone_accepts_with_the_sms_code(
    portal, admin_a, browser, live_server, width
):
    from kabinet.messaging import sms

    page = _context_page(browser, live_server, WIDTHS[width])
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/settings/")
    expect(page.get_by_text("Это Вы")).to_be_visible()
    page.get_by_role("button", name="Добавить сотрудника").click()
    form = page.get_by_role("dialog", name="Добавить сотрудника")
    _fill_employee(form)
    # A wrong password: the same dialog opens again with everything typed kept and the error at the field.
    form.get_by_label("Ваш пароль").fill("not-my-password")
    form.get_by_role("button", name="Добавить").click()
    form = page.get_by_role("dialog", name="Добавить сотрудника")
    expect(form.get_by_text("Неверный пароль")).to_be_visible()
    expect(form.get_by_label("ФИО")).to_have_value("Менеджерова Марина")
    expect(form.get_by_label("E-mail")).to_have_value("marina@example.com")
    _shot(page, f"employee-dialog-{width}")
    form.get_by_label("Ваш пароль").fill(PASSWORD)
    form.get_by_role("button", name="Добавить").click()
    expect(page.get_by_text("Приглашение отправлено. Сотрудник получит доступ")).to_be_visible()
    expect(page.get_by_test_id("employees")).to_contain_text("ПРИГЛАШЕНИЕ ОТПРАВЛЕНО")

    # The letter's link is on PORTAL_URL (the production address); the journey follows its path here.
    link = re.search(re.escape(settings.PORTAL_URL) + r"(/invitation/\S+/)", mail.outbox[-1].body).group(1)
    guest = _context_page(browser, live_server, WIDTHS[width])
    guest.goto(guest.base_url + link)
    guest.get_by_role("button", name="Получить код").click()
    code = re.search(r"\d{4}", sms.outbox[-1]["text"]).group(0)
    guest.get_by_label("Код из СМС").fill(code)
    expect(guest.get_by_label("ФИО")).to_have_value("Менеджерова Марина")
    guest.locator("#id_new_password1").fill("Kedr-Osen-2026!")
    guest.locator("#id_new_password2").fill("Kedr-Osen-2026!")
    guest.get_by_label("Я принимаю пользовательское соглашение").check()
    _shot(guest, f"invitation-accept-{width}")
    guest.get_by_role("button", name="Принять приглашение").click()
    expect(guest.get_by_text("Приглашение принято")).to_be_visible()
    sign_in(guest, "+7 921 444-55-66", "Kedr-Osen-2026!")
    guest.goto(guest.base_url + "/settings/")
    expect(guest.get_by_test_id("employees")).to_contain_text("Админов Алексей")
    expect(guest.get_by_role("button", name="Добавить сотрудника")).to_have_count(0)

    page.goto(page.base_url + "/settings/")
    expect(page.get_by_test_id("employees")).to_contain_text("Менеджерова Марина")
    page.locator("summary", has_text="Изменить: Менеджерова Марина").click()
    page.get_by_label("Роль").first.select_option(label="Администратор")
    page.get_by_role("button", name="Сохранить").first.click()
    expect(page.get_by_text("Сохранено")).to_be_visible()
    page.get_by_role("link", name="История изменений").click()
    expect(page.get_by_test_id("history")).to_contain_text("Изменена роль сотрудника")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_existing_user_sees_the_invitation_and_accepts_it_keeping_their_organization(
    portal, admin_a, user_b, org_b, browser, live_server, width
):
    from kabinet.organizations.services import employees

    employees.employee_add(
        org=portal,
        actor=admin_a,
        phone=str(user_b.phone),
        full_name="Бетов",
        email="",
        role="manager",
    )
    page = _context_page(browser, live_server, WIDTHS[width])
    sign_in(page, str(user_b.phone))
    banner = page.get_by_test_id("invitation-banner")
    expect(banner).to_contain_text("Приглашение в организацию ООО «Альфа»")
    banner.get_by_role("link", name="Принять или отклонить").click()
    _shot(page, f"invitations-{width}")
    page.get_by_role("button", name="Принять").click()
    expect(page.get_by_text("Вы добавлены в ООО «Альфа»")).to_be_visible()
    expect(page.get_by_test_id("invitation-banner")).to_have_count(0)
    page.goto(page.base_url + "/settings/")
    expect(page.get_by_role("heading", name="ООО «Бета»")).to_be_visible()  # the selection did not move
    assert all(page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"))


def test_a_client_opens_a_support_thread_and_sees_the_answer_appear(page, portal, admin_a, staff):
    sign_in(page, str(admin_a.phone))
    page.get_by_title("Поддержка").click()
    page.get_by_role("link", name="Новое обращение").click()
    page.get_by_label("Тема").fill("Не открывается счёт")
    page.get_by_label("Сообщение").fill("При нажатии ничего не происходит")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_test_id("chat")).to_contain_text("При нажатии ничего не происходит")
    thread = SupportThread.objects.get()
    services.thread_staff_reply(thread_id=thread.pk, staff=staff, body="Обновите страницу, мы исправили")
    expect(page.get_by_test_id("chat")).to_contain_text("Обновите страницу, мы исправили", timeout=10_000)
    page.goto("about:blank")  # stop the polling before the test database goes away
