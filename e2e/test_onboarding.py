"""Registration, staff approval, password recovery, profile and «Добавить организацию» in the browser."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from e2e.test_journeys import confirm_by_sms, sign_in
from kabinet.accounts.models import ConsentDocument
from kabinet.core.net import Origin
from kabinet.messaging import sms
from kabinet.organizations.services.registry import registry_import_csv
from kabinet.testing.factories import PASSWORD

NEW_PASSWORD = "Brand-New-Pass-2026"


@pytest.fixture
def portal(transactional_db):
    registry_import_csv(
        text="inn;kpp;name;director;legal_address;status\n"
        "7801234564;780101001;ООО «Ромашка»;Иванов Иван Петрович;г. Санкт-Петербург, Невский пр-кт, д. 28;ACTIVE\n"
        "7707083893;773601001;ПАО «Сбербанк»;Греф Герман Оскарович;г. Москва;ACTIVE\n"
    )
    ConsentDocument.objects.create(kind="terms", version=1, title="Пользовательское соглашение", text="Условия")
    ConsentDocument.objects.create(kind="personal_data", version=1, title="Согласие", text="Согласие на обработку")


def agreed(user) -> None:
    from django.test import RequestFactory

    from kabinet.accounts.services import consents_missing, consents_record

    consents_record(
        documents=consents_missing(user), phone=str(user.phone), origin=Origin.of(RequestFactory().get("/")), user=user
    )


def code_sent_to(phone: str) -> str:
    return re.search(r"\d{4}", [m for m in sms.outbox if m["phone"] == phone][-1]["text"]).group(0)


def test_registration_then_staff_approval_then_sign_in(page, portal, staff):
    page.goto(page.base_url + "/login/")
    page.get_by_role("link", name="Зарегистрироваться").click()
    company = page.get_by_label("ИНН или название организации")
    company.press_sequentially("ромаш", delay=30)
    page.get_by_role("button", name=re.compile("ООО «Ромашка»")).click()
    expect(company).to_have_value("ООО «Ромашка», ИНН 7801234564")
    full_name = page.get_by_label("ФИО")
    expect(full_name).to_have_value("Иванов Иван Петрович")
    full_name.fill("Иванова Мария Сергеевна")
    page.get_by_label("Телефон").press_sequentially("89215551234")
    expect(page.get_by_label("Телефон")).to_have_value("+7 (921) 555-12-34")
    page.get_by_label("Email").fill("maria@example.com")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(NEW_PASSWORD)
    terms = page.get_by_label("Я принимаю условия пользовательского соглашения")
    expect(terms).not_to_be_checked()
    terms.check()
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Далее").click()

    expect(page.get_by_role("heading", name="Подтверждение телефона")).to_be_visible()
    resend = page.get_by_role("button", name="Отправить код заново")
    expect(resend).to_be_disabled()
    expect(page.get_by_text(re.compile(r"через \d+ с"))).to_be_visible()
    page.get_by_label("Код из СМС").fill(code_sent_to("+79215551234"))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("heading", name="Заявка ожидает ответа менеджера")).to_be_visible()
    page.goto(page.base_url + "/dashboard/")
    expect(page.get_by_text("Нет доступных организаций")).to_be_visible()
    page.get_by_role("button", name="Выход").click()

    # Staff approve in the back office.
    page.goto(page.base_url + "/admin/login/")
    page.get_by_label("Телефон").fill(str(staff.phone))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    confirm_by_sms(page, staff)
    page.goto(page.base_url + "/admin/accounts/registration/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Выполнить").click()
    expect(page.get_by_text("Одобрена 1 заявка")).to_be_visible()
    assert any("открыт" in m["text"] for m in sms.outbox if m["phone"] == "+79215551234")
    assert any(m.to == ["maria@example.com"] for m in mail.outbox)
    page.context.clear_cookies()

    sign_in(page, "+7 921 555-12-34", NEW_PASSWORD)
    expect(page.get_by_test_id("org-switcher")).to_contain_text("ООО «Ромашка»")
    expect(page.get_by_role("heading", name="Платежный календарь")).to_be_visible()


def test_password_recovery_by_e_mail(page, portal, admin_a):
    page.goto(page.base_url + "/login/")
    page.get_by_role("link", name="Забыли пароль?").click()
    page.get_by_label("Номер телефона").fill(str(admin_a.phone))
    page.get_by_role("button", name="Отправить ссылку").click()
    expect(page.get_by_test_id("reset-sent")).to_be_visible()
    # The letter's link is on PORTAL_URL (the production address); the journey follows its path here.
    link = re.search(re.escape(settings.PORTAL_URL) + r"(/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(page.base_url + link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("Новый пароль ещё раз").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", name="Пароль изменён")).to_be_visible()
    sign_in(page, str(admin_a.phone), NEW_PASSWORD)


def test_new_consent_texts_are_accepted_then_the_phone_is_changed_with_an_sms_code(page, portal, admin_a):
    sign_in(page, str(admin_a.phone))
    expect(page.get_by_role("heading", name="Документы обновлены")).to_be_visible()
    page.get_by_role("button", name="Принять и продолжить").click()
    expect(page.get_by_text("Отметьте, чтобы продолжить.").first).to_be_visible()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Принять и продолжить").click()
    expect(page.get_by_role("heading", name="Платежный календарь")).to_be_visible()
    page.get_by_role("link", name="Профиль").click()
    page.get_by_label("Новый номер телефона").press_sequentially("9215550000")
    page.get_by_role("button", name="Изменить номер").click()
    page.get_by_label("Код из СМС").fill(code_sent_to("+79215550000"))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Номер телефона изменён")).to_be_visible()
    expect(page.get_by_test_id("current-phone")).to_have_text("+7 (921) 555-00-00")


def test_add_organization_waits_for_approval(page, portal, admin_a):
    agreed(admin_a)
    sign_in(page, str(admin_a.phone))
    page.get_by_test_id("org-switcher").click()
    page.get_by_role("link", name="Добавить организацию").click()
    page.get_by_label("ИНН или название организации").press_sequentially("7707", delay=30)
    page.get_by_role("button", name=re.compile("ПАО «Сбербанк»")).click()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_text("Заявка отправлена")).to_be_visible()
    expect(page.get_by_role("cell", name="ПАО «Сбербанк»")).to_be_visible()
