"""With SECURE_COOKIES on (production), every cookie a sign-in sets carries the Secure flag — the session,
CSRF, messages, known-device and remembered-phone cookies alike (the wapiti scan runs over plain HTTP
and reports them; security/wapiti-triage.toml relies on this)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kabinet.accounts import services as account_services
from kabinet.accounts.models import PhoneChallenge
from kabinet.testing.factories import PASSWORD, UserFactory


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_every_cookie_of_a_sign_in_is_secure_in_production():
    staff = UserFactory(is_staff=True)
    browser = Client()
    responses = [browser.get(reverse("accounts:login"))]
    form = {"username": str(staff.phone), "password": PASSWORD, "remember_me": "on"}
    responses.append(browser.post(reverse("accounts:login"), form))
    responses.append(browser.post(reverse("accounts:second_factor"), {"action": "send"}))  # a message: its cookie
    challenge = PhoneChallenge.objects.filter(user=staff, purpose=PhoneChallenge.Purpose.SIGN_IN).latest("pk")
    responses.append(
        browser.post(
            reverse("accounts:second_factor"),
            {"action": "code", "code": account_services.challenge_code(challenge)},
        )
    )
    assert responses[-1]["Location"] == "/admin/"
    cookies = {name: morsel for response in responses for name, morsel in response.cookies.items()}
    assert {"csrftoken", "sessionid", "messages", account_services.DEVICE_COOKIE, "kabinet_remembered_phone"} <= set(
        cookies
    )
    assert [name for name, morsel in cookies.items() if not morsel["secure"]] == []
