"""A client signs in, switches organization and finds a contract by a plate typed in Latin letters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import challenge_code
from kabinet.organizations.models import Membership
from kabinet.testing.factories import PASSWORD, ContractFactory, LeasedItemFactory, MembershipFactory


@pytest.fixture
def two_orgs(transactional_db, admin_a, org_a, org_b, products):
    MembershipFactory(user=admin_a, organization=org_b, role=Membership.Role.MANAGER)
    ContractFactory(organization=org_a, product=products["auto"], number="ALPHA-0001")
    beta = ContractFactory(organization=org_b, product=products["truck"], number="BETA-0042")
    ContractFactory(organization=org_b, product=products["auto"], number="BETA-0043")
    LeasedItemFactory(contract=beta, make="ГАЗ", model="ГАЗель Next", vin="X96A21R32M0123456", plate="Х777ТК178")
    return admin_a


def sign_in(page, phone: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/login/")
    page.get_by_label("Номер телефона").fill(phone)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/(dashboard|consent)/"))


def confirm_by_sms(page, user) -> None:
    """The second step of a sign-in that needs one (staff, an organization that asks for it): a code by SMS."""
    expect(page).to_have_url(re.compile(r"/login/second-factor/$"))
    page.get_by_test_id("second-factor-sms").click()
    challenge = PhoneChallenge.objects.filter(user=user, purpose=PhoneChallenge.Purpose.SIGN_IN).latest("created_at")
    page.get_by_label("Код из СМС").fill(challenge_code(challenge))
    page.get_by_role("button", name="Подтвердить", exact=True).click()


def test_a_client_signs_in_switches_organization_and_finds_a_contract_by_latin_plate(page, two_orgs, org_b):
    phone = str(two_orgs.phone)
    # Typed the way people type it: 8, then the ten digits.
    sign_in(page, "8" + phone[2:])
    expect(page.get_by_role("heading", name="Платежный календарь")).to_be_visible()

    page.get_by_role("link", name="Договоры").click()
    expect(page.get_by_text("ALPHA-0001")).to_be_visible()
    expect(page.get_by_text("BETA-0042")).to_have_count(0)

    page.get_by_test_id("org-switcher").click()
    page.get_by_role("button", name=re.compile(org_b.name)).click()
    expect(page.get_by_test_id("org-switcher")).to_contain_text(org_b.name)
    expect(page.get_by_text("BETA-0043")).to_be_visible()
    expect(page.get_by_text("ALPHA-0001")).to_have_count(0)

    page.get_by_label("Поиск по номеру, VIN или госномеру").fill("x 777 tk")
    expect(page.get_by_text("BETA-0043")).to_have_count(0)
    expect(page.get_by_role("link", name="BETA-0042")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=x"))

    page.get_by_role("link", name="BETA-0042").click()
    page.get_by_role("tab", name="Предметы лизинга").click()
    expect(page.get_by_text("X96A21R32M0123456")).to_be_visible()
    expect(page.get_by_text("Х 777 ТК 178")).to_be_visible()


def test_a_wrong_password_is_told_without_revealing_the_phone(page, transactional_db, admin_a):
    page.goto(page.base_url + "/login/")
    page.get_by_label("Номер телефона").fill(str(admin_a.phone))
    page.get_by_label("Пароль").fill("wrong-password")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("alert")).to_contain_text("Неверный номер телефона или пароль")


def test_on_a_phone_the_menu_collapses_and_contracts_become_cards(phone_page, two_orgs):
    sign_in(phone_page, str(two_orgs.phone))
    menu = phone_page.get_by_role("button", name="Меню")
    expect(menu).to_be_visible()
    menu.click()
    expect(phone_page.get_by_role("button", name="Выход")).to_be_visible()
    phone_page.goto(phone_page.base_url + "/contracts/")
    row = phone_page.locator("[data-testid=contracts-table] tbody tr").first
    # The header row is hidden and each cell is labelled instead.
    expect(phone_page.locator("[data-testid=contracts-table] thead")).to_have_css("position", "absolute")
    expect(row).to_have_css("display", "block")
    label = row.locator("td").nth(1).evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Номер договора"'
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
