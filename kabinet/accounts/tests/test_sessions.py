"""The list of signed-in sessions in «Профиль»: each device with its browser and system, address,
sign-in time and last activity, «Это устройство» for this one; «Завершить» ends that one session at
once whatever the session backend; another user's session is 404; «Запомнить меня» does not keep an
idle session open."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from kabinet.accounts.middleware import ACTIVITY_KEY
from kabinet.accounts.models import UserSession
from kabinet.accounts.user_sessions import describe_user_agent
from kabinet.audit.models import AuditEvent
from kabinet.testing.factories import PASSWORD, UserFactory

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """These tests sign in through the form many times; the password's strength is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(user, user_agent: str, ip: str, remember: bool = False) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    data = {"username": str(user.phone), "password": PASSWORD}
    if remember:
        data["remember_me"] = "on"
    assert client.post(reverse("accounts:login"), data).status_code == 302
    return client


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-testid="session-row">(.*?)</tr>', page, re.S)


def _signed_in(client: Client) -> bool:
    return client.get("/profile/").status_code == 200


def test_the_profile_lists_every_signed_in_device_and_marks_this_one(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.20")
    _sign_in(UserFactory(), CHROME_WINDOWS, "192.0.2.1")  # someone else's session is not listed
    page = laptop.get("/profile/").content.decode()
    rows = _rows(page)
    assert len(rows) == 2
    this, other = rows  # this device first
    assert "Chrome 120, Windows" in this and "203.0.113.7" in this and "Это устройство" in this
    assert "Safari 17, iPhone" in other and "198.51.100.20" in other and "Это устройство" not in other
    assert "192.0.2.1" not in page
    today = timezone.localtime().strftime("%d.%m.%Y")
    assert this.count(today) == 2  # the sign-in time and the last activity
    assert "Завершить" in this and "Выйти на всех остальных устройствах" in page


@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
    ],
)
def test_ending_one_session_signs_that_device_out_at_once(admin_a, settings, engine):
    settings.SESSION_ENGINE = engine
    settings.SESSION_CACHE_ALIAS = "default"
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    phone = _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.20")
    tablet = _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.21")
    assert _signed_in(phone) and _signed_in(tablet)
    record = UserSession.objects.get(user=admin_a, ip="198.51.100.20")
    url = reverse("accounts:session_end", args=[record.pk])
    assert laptop.get(url).status_code == 405
    response = laptop.post(url, follow=True)
    assert "Сеанс завершён." in response.content.decode()
    assert phone.get("/dashboard/")["Location"].startswith("/login/")  # ended at once
    assert _signed_in(laptop) and _signed_in(tablet)  # the others stay
    assert not UserSession.objects.filter(pk=record.pk).exists()
    assert "198.51.100.20" not in laptop.get("/profile/").content.decode()
    event = AuditEvent.objects.get(action="session_ended")
    assert event.actor == admin_a and event.after["ip"] == "198.51.100.20"


def test_ending_this_session_signs_out_here(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    record = UserSession.objects.get(user=admin_a)
    response = laptop.post(reverse("accounts:session_end", args=[record.pk]))
    assert response["Location"].startswith("/login/")
    assert not _signed_in(laptop)


def test_another_users_session_is_not_found(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    stranger = _sign_in(UserFactory(), SAFARI_IPHONE, "198.51.100.20")
    theirs = UserSession.objects.get(ip="198.51.100.20")
    assert laptop.post(reverse("accounts:session_end", args=[theirs.pk])).status_code == 404
    assert _signed_in(stranger)
    assert not AuditEvent.objects.filter(action="session_ended").exists()


def test_signing_out_and_ending_the_others_clear_the_list(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    phone = _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.20")
    _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.21")
    phone.post(reverse("accounts:logout"))
    assert set(UserSession.objects.values_list("ip", flat=True)) == {"203.0.113.7", "198.51.100.21"}
    laptop.post(reverse("accounts:sessions_end_others"))
    assert list(UserSession.objects.values_list("ip", flat=True)) == ["203.0.113.7"]
    assert len(_rows(laptop.get("/profile/").content.decode())) == 1


def test_the_last_activity_is_written_at_most_once_a_minute(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    record = UserSession.objects.get(user=admin_a)
    record.last_seen = timezone.now() - timedelta(minutes=5)
    record.save()
    laptop.get("/dashboard/")  # the clock was set at sign-in, seconds ago: nothing written
    assert UserSession.objects.get(pk=record.pk).last_seen == record.last_seen
    session = laptop.session
    session[ACTIVITY_KEY] = time.time() - 2 * 60
    session.save()
    laptop.get("/dashboard/")
    assert timezone.now() - UserSession.objects.get(pk=record.pk).last_seen < timedelta(seconds=30)


def test_a_remembered_sign_in_still_ends_when_idle(admin_a, settings):
    """«Запомнить меня» keeps the device known for sign-in, not the session open: idle longer than the
    timeout from sign-in on (not a single request after it), the session ends."""
    with freeze_time() as clock:
        laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7", remember=True)
        assert not laptop.session.get_expire_at_browser_close()
        clock.tick(timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 60))
        assert laptop.get("/dashboard/")["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_WINDOWS, "Chrome 120, Windows"),
        (SAFARI_IPHONE, "Safari 17, iPhone"),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121, Linux"),
        (CHROME_WINDOWS + " Edg/120.0.2210.91", "Edge 120, Windows"),
        (
            "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
            "YaBrowser/24.1.0 Mobile Safari/537.36",
            "Яндекс Браузер 24, Android",
        ),
        ("curl/8.4.0", "Неизвестное устройство"),
    ],
)
def test_the_device_is_named_from_the_user_agent(user_agent, device):
    from django.utils import translation  # reason: the fallback text is translated

    with translation.override("ru"):
        assert describe_user_agent(user_agent) == device


def test_remember_me_remembers_the_phone_on_this_device_for_the_next_sign_in(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7", remember=True)
    laptop.post(reverse("accounts:logout"))
    form = laptop.get(reverse("accounts:login")).content.decode()

    assert str(admin_a.phone) in form
    other = _sign_in(admin_a, SAFARI_IPHONE, "198.51.100.20")  # without «Запомнить меня»: nothing kept
    other.post(reverse("accounts:logout"))
    assert str(admin_a.phone) not in other.get(reverse("accounts:login")).content.decode()


def test_a_session_signed_in_before_the_list_existed_is_listed_from_its_next_activity(admin_a):
    laptop = _sign_in(admin_a, CHROME_WINDOWS, "203.0.113.7")
    UserSession.objects.all().delete()
    session = laptop.session
    del session["kabinet_session_record"]
    session[ACTIVITY_KEY] = time.time() - 2 * 60
    session.save()
    assert len(_rows(laptop.get("/profile/").content.decode())) == 1
    assert UserSession.objects.get().session_key == laptop.session.session_key
