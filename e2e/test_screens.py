"""Client screens at 1440 px and 375 px: error pages, history, formats, phone header, statuses, images."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import assert_images_loaded
from e2e.test_journeys import sign_in
from kabinet.core.testing import MembershipFactory
from kabinet.organizations.models import Membership

WIDTHS = ["page", "phone_page"]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_payment_qr_on_the_reference_page_is_a_real_image(request, viewport, transactional_db, admin_a, creditor):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/reference/")
    qr = page.get_by_role("img", name="QR-код для оплаты произвольной суммы")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert_images_loaded(page)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_error_pages_are_russian_and_a_404_of_my_other_organization_switches_to_it(
    request, viewport, transactional_db, admin_a, org_b, contract_b
):
    page = request.getfixturevalue(viewport)
    MembershipFactory(user=admin_a, organization=org_b, role=Membership.Role.MANAGER)
    sign_in(page, str(admin_a.phone))

    page.goto(page.base_url + "/no-such-page/")
    expect(page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
    page.get_by_role("link", name="На главную").click()
    expect(page.get_by_role("heading", name="Платежный календарь")).to_be_visible()

    page.goto(page.base_url + f"/contracts/{contract_b.pk}/")
    expect(page.get_by_role("heading", name="Это относится к ООО «Бета»")).to_be_visible()
    page.get_by_role("button", name="Переключиться на ООО «Бета»").click()
    expect(page.get_by_role("heading", name="Договор BETA-0001")).to_be_visible()

    # A form whose security token has gone (signed out and in again in another tab) explains itself.
    page.goto(page.base_url + "/support/new/")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_label("Тема").fill("Вопрос")
    page.get_by_label("Сообщение").fill("Текст")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("heading", name="Страница устарела")).to_be_visible()
    page.get_by_role("link", name="Обновить страницу").click()
    expect(page).to_have_url(re.compile(r"/support/new/$"))
