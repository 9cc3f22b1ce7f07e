"""Sign-in: guessing across phones and across addresses; the owner is told and never locked out."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from kabinet.accounts import services
from kabinet.core.net import Origin
from kabinet.messaging import sms
from kabinet.testing.factories import PASSWORD, UserFactory

LOGIN = "/login/"
THROTTLED = "Слишком много неудачных попыток"
ROOT = Path(__file__).resolve().parents[3]


def attempt(client, phone, password, ip):
    return client.post(LOGIN, {"username": phone, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    settings.LOGIN_DELAY_BASE = 30
    settings.LOGIN_DELAY_MAX = 600
    return settings


def test_one_address_trying_many_phones_is_refused(client, admin_a, limits):
    for n in range(4):
        attempt(client, f"+7 999 000-00-{n:02d}", "wrong", ip="198.51.100.1")
    # Even the right password of another phone is not checked from that address now…
    assert THROTTLED in attempt(client, str(admin_a.phone), PASSWORD, ip="198.51.100.1").content.decode()
    assert "_auth_user_id" not in client.session
    # …while everyone else signs in.
    assert attempt(Client(), str(admin_a.phone), PASSWORD, ip="198.51.100.2").status_code == 302


def test_many_addresses_against_one_phone_meet_a_doubling_delay(client, admin_a, limits, rf):
    phone = str(admin_a.phone)
    for n in range(4):  # one over the limit of 3, each from a new address
        assert THROTTLED not in attempt(client, phone, "wrong", ip=f"203.0.113.{n}").content.decode()
    # A fifth address is delayed before its password is even looked at.
    refused = attempt(client, phone, PASSWORD, ip="203.0.113.50")
    assert THROTTLED in refused.content.decode() and "_auth_user_id" not in client.session
    request = rf.post(LOGIN, REMOTE_ADDR="203.0.113.51")
    first = services.signin_blocked_for(phone_key=phone, origin=Origin.of(request), phone=phone)
    assert 25 <= first <= 30
    # When the delay has passed, the next failure doubles it.
    from django.core.cache import cache

    cache.delete(services._delay_key(phone))
    attempt(client, phone, "wrong", ip="203.0.113.60")
    second = services.signin_blocked_for(phone_key=phone, origin=Origin.of(request), phone=phone)
    assert 55 <= second <= 60


def test_the_owner_is_told_once_by_sms_and_email(
    client, admin_a, limits, mailoutbox, django_capture_on_commit_callbacks
):
    phone = str(admin_a.phone)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            from django.core.cache import cache

            cache.delete(services._delay_key(phone))
            attempt(client, phone, "wrong", ip=f"192.0.2.{n}")
    told = [m for m in sms.outbox if m["phone"] == phone]
    assert len(told) == 1 and "подбирали пароль" in told[0]["text"]
    guessing = [m for m in mailoutbox if m.to == [admin_a.email]]
    assert len(guessing) == 1 and "подбирает пароль" in guessing[0].subject


def test_an_unknown_phone_is_delayed_the_same_way_and_nobody_is_told(client, db, limits):
    for n in range(4):
        attempt(client, "+7 999 111-22-33", "wrong", ip=f"192.0.2.{n}")
    assert THROTTLED in attempt(client, "+7 999 111-22-33", "wrong", ip="192.0.2.99").content.decode()
    assert sms.outbox == []


def test_the_owner_in_a_browser_used_before_is_never_delayed(client, admin_a, limits):
    phone = str(admin_a.phone)
    assert attempt(client, phone, PASSWORD, ip="10.1.1.1").status_code == 302
    client.post("/logout/")
    attacker = Client()
    for n in range(8):
        attempt(attacker, phone, "wrong", ip=f"203.0.113.{n}")
    assert THROTTLED in attempt(Client(), phone, PASSWORD, ip="10.1.1.2").content.decode()
    # The owner's browser carries the signed device cookie: not delayed, even from a new address.
    assert attempt(client, phone, PASSWORD, ip="10.1.1.3").status_code == 302


def test_a_forged_device_cookie_is_worth_nothing(client, admin_a, limits):
    phone = str(admin_a.phone)
    for n in range(4):
        attempt(client, phone, "wrong", ip=f"203.0.113.{n}")
    client.cookies[services.DEVICE_COOKIE] = f"[{admin_a.pk}]"
    assert THROTTLED in attempt(client, phone, PASSWORD, ip="10.1.1.3").content.decode()


def test_the_back_office_signs_in_only_through_the_limited_portal_sign_in(client, staff, limits):
    """/admin/login/ never checks a password itself: it sends staff to /login/, with its limits."""
    response = client.post("/admin/login/", {"username": str(staff.phone), "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    limits.LOGIN_ACCOUNT_FAILURE_LIMIT = 10
    for _ in range(5):
        attempt(client, str(staff.phone), "wrong", ip="10.9.9.9")
    assert THROTTLED in attempt(client, str(staff.phone), PASSWORD, ip="10.9.9.9").content.decode()


def test_a_colleague_behind_the_same_address_is_not_refused_by_the_account_delay(client, admin_a, limits):
    limits.LOGIN_IP_FAILURE_LIMIT = 10
    colleague = UserFactory()
    for _ in range(4):
        attempt(client, str(admin_a.phone), "wrong", ip="10.0.0.1")
    assert attempt(Client(), str(colleague.phone), PASSWORD, ip="10.0.0.1").status_code == 302


def _start(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"BEHIND_PROXY", "TRUSTED_PROXIES", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_refuses_behind_proxy_without_trusted_proxies():
    refused = _start(BEHIND_PROXY="1")
    assert refused.returncode != 0 and "TRUSTED_PROXIES" in refused.stderr
    assert _start(BEHIND_PROXY="1", TRUSTED_PROXIES="10.0.0.0/8").returncode == 0
