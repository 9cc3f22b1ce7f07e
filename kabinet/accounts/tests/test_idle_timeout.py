"""Sessions like a bank's: any session ends after SESSION_IDLE_TIMEOUT without the user's activity,
«Запомнить меня» or not; the pages' own background polls do not keep it open; the session key
rotates when the user's privilege changes (the password confirmed for sensitive changes)."""

import time

from django.test import Client

from kabinet.accounts.middleware import ACTIVITY_KEY
from kabinet.testing.factories import PASSWORD


def _idle_for(client, seconds: float) -> None:
    session = client.session
    session[ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_a_session_idle_longer_than_the_timeout_ends(client_a, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert client_a.get("/dashboard/").status_code == 200
    _idle_for(client_a, 29 * 60)
    assert client_a.get("/dashboard/").status_code == 200  # within the timeout: still signed in…
    _idle_for(client_a, 31 * 60)
    response = client_a.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client_a.get("/dashboard/")["Location"].startswith("/login/")  # …past it: signed out


def test_the_timeout_is_a_setting_and_activity_renews_it(client_a, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    _idle_for(client_a, 4 * 60)
    assert client_a.get("/dashboard/").status_code == 200  # activity: the clock starts again
    assert time.time() - client_a.session[ACTIVITY_KEY] < 60
    _idle_for(client_a, 6 * 60)
    assert client_a.get("/dashboard/")["Location"].startswith("/login/")


def test_a_background_poll_does_not_keep_the_session_open(client_a, settings):
    _idle_for(client_a, 20 * 60)
    client_a.get("/notifications/", HTTP_X_KABINET_BACKGROUND="1")
    assert time.time() - client_a.session[ACTIVITY_KEY] > 19 * 60


def test_confirming_the_password_for_sensitive_changes_rotates_the_session_key(client_a):
    before = client_a.session.session_key
    response = client_a.post("/settings/confirm-password/", {"password": PASSWORD, "next": "/settings/"})
    assert response.status_code == 302
    after = client_a.session.session_key
    assert after and after != before
    assert client_a.get("/settings/").status_code == 200  # still signed in, on the new key


def test_signing_out_on_all_other_devices_ends_every_other_session_and_keeps_this_one(admin_a):
    here, laptop, phone = Client(), Client(), Client()
    for client in (here, laptop, phone):
        client.force_login(admin_a)
        assert client.get("/dashboard/").status_code == 200
    page = here.get("/profile/").content.decode()
    assert "Выйти на всех остальных устройствах" in page and "через 30 минут без действий" in page
    assert here.get("/profile/sessions/end-others/").status_code == 405
    response = here.post("/profile/sessions/end-others/", follow=True)
    assert "Вы вышли на всех остальных устройствах." in response.content.decode()
    assert here.get("/dashboard/").status_code == 200
    for client in (laptop, phone):
        assert client.get("/dashboard/")["Location"].startswith("/login/")
