"""A client adds a passkey in «Профиль» and signs in with it, in Chromium with a virtual authenticator (CDP
WebAuthn domain); a member of an organization that requires a second factor confirms the password with it.
Served on `localhost`: an IP address is not a valid relying-party id."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.accounts.models import Passkey
from kabinet.testing.factories import PASSWORD


@pytest.fixture
def relying_party(settings, live_server):
    assert live_server.url.startswith("http://localhost:")
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = [live_server.url]


def virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def add_passkey(page, name: str) -> None:
    page.goto(page.base_url + "/profile/")
    page.get_by_label("Название нового ключа").fill(name)
    page.get_by_test_id("passkey-add").click()
    expect(page.get_by_test_id("passkey-row")).to_contain_text(name)


def test_a_passkey_added_in_the_profile_signs_in_without_the_password(page, transactional_db, relying_party, admin_a):
    virtual_authenticator(page)
    sign_in(page, str(admin_a.phone))
    add_passkey(page, "Рабочий ноутбук")
    assert Passkey.objects.get(user=admin_a).name == "Рабочий ноутбук"

    page.get_by_role("button", name="Выход").click()
    page.goto(page.base_url + "/login/")
    page.get_by_test_id("passkey-sign-in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.goto(page.base_url + "/profile/")
    expect(page.get_by_test_id("passkey-row")).not_to_contain_text("ещё не использовался")


def test_an_organization_requiring_a_second_factor_takes_the_passkey_after_the_password(
    page, transactional_db, relying_party, admin_a, org_a
):
    virtual_authenticator(page)
    sign_in(page, str(admin_a.phone))
    add_passkey(page, "Телефон")
    page.get_by_role("button", name="Выход").click()
    org_a.second_factor_required = True
    org_a.save()

    page.goto(page.base_url + "/login/")
    page.get_by_label("Номер телефона").fill(str(admin_a.phone))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/login/second-factor/$"))
    page.goto(page.base_url + "/dashboard/")  # half signed in: the portal is not open yet
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.goto(page.base_url + "/login/second-factor/")
    page.get_by_test_id("second-factor-passkey").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
