"""Sign-in throttling, client addresses, session lifetimes, consents asked again, no secrets in logs."""

import logging
import time

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kabinet.accounts.middleware import DEADLINE_KEY
from kabinet.accounts.models import ConsentDocument
from kabinet.audit.models import AuditEvent
from kabinet.core.net import Origin, client_ip
from kabinet.messaging import sms
from kabinet.testing.factories import PASSWORD

LOGIN = "/login/"
THROTTLED = "Слишком много неудачных попыток"


def attempt(client, phone, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": phone, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_refuse_the_phone_even_with_the_right_password(client, admin_a):
    phone = str(admin_a.phone)
    for _ in range(5):
        assert "Неверный номер телефона или пароль" in attempt(client, phone, "wrong").content.decode()
    refused = attempt(client, phone, PASSWORD)
    assert THROTTLED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_phone_is_throttled_with_the_same_message(client, db):
    for _ in range(5):
        attempt(client, "+7 999 000-11-22", "wrong")
    assert THROTTLED in attempt(client, "+7 999 000-11-22", "wrong").content.decode()


def test_the_throttle_is_per_phone_and_ip_so_an_office_behind_one_nat_is_not_locked_out(client, admin_a, manager_a):
    for _ in range(5):
        attempt(client, str(admin_a.phone), "wrong", ip="10.0.0.1")
    # A colleague behind the same address signs in.
    assert attempt(client, str(manager_a.phone), PASSWORD, ip="10.0.0.1").status_code == 302
    client.post("/logout/")
    # The same phone from another address is not refused either.
    assert attempt(client, str(admin_a.phone), PASSWORD, ip="10.0.0.2").status_code == 302


def test_failures_age_out_of_the_window(client, admin_a, settings):
    from datetime import timedelta

    from django.utils import timezone

    from kabinet.accounts.models import SignInFailure

    for _ in range(5):
        attempt(client, str(admin_a.phone), "wrong")
    SignInFailure.objects.update(created_at=timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW + 1))
    assert attempt(client, str(admin_a.phone), PASSWORD).status_code == 302


def test_x_forwarded_for_is_trusted_only_from_configured_proxies(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.9")
    assert client_ip(proxied) == "198.51.100.7"
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(garbage) == "10.0.0.5"


def test_sign_in_gives_a_new_session_id(client, admin_a):
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    attempt(client, str(admin_a.phone), PASSWORD)
    assert client.session["probe"] == 1  # the data is kept…
    assert client.cookies["sessionid"].value != before  # …under a new id


def test_a_session_without_remember_me_ends_with_the_browser_and_after_12_hours(client, admin_a, settings):
    response = attempt(client, str(admin_a.phone), PASSWORD)
    assert response.cookies["sessionid"]["max-age"] == ""  # a browser-session cookie
    deadline = client.session[DEADLINE_KEY]
    assert deadline == pytest.approx(time.time() + settings.BROWSER_SESSION_MAX_AGE, abs=5)
    session = client.session
    session[DEADLINE_KEY] = time.time() - 1
    session.save()
    assert client.get("/dashboard/")["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_remember_me_lasts_at_most_30_days(client, admin_a):
    response = client.post(LOGIN, {"username": str(admin_a.phone), "password": PASSWORD, "remember_me": "on"})
    assert int(response.cookies["sessionid"]["max-age"]) == 30 * 24 * 3600
    assert DEADLINE_KEY not in client.session


def test_a_new_version_of_a_consent_text_asks_again_at_next_sign_in(client, admin_a, consent_docs):
    from kabinet.accounts.services import consents_record

    consents_record(
        documents=consent_docs, phone=str(admin_a.phone), origin=Origin.of(RequestFactory().get("/")), user=admin_a
    )
    attempt(client, str(admin_a.phone), PASSWORD)
    assert client.get("/dashboard/").status_code == 200
    client.post("/logout/")
    ConsentDocument.objects.create(kind="terms", version=2, title="Пользовательское соглашение", text="Новое")
    attempt(client, str(admin_a.phone), PASSWORD)
    response = client.get("/contracts/")
    assert response.status_code == 302 and response["Location"].startswith("/consent/")
    page = client.get(response["Location"]).content.decode()
    assert "Новое" in page
    done = client.post(
        "/consent/?next=/contracts/", {f"doc_{ConsentDocument.objects.get(version=2).pk}": "on", "next": "/contracts/"}
    )
    assert done["Location"] == "/contracts/"
    assert client.get("/contracts/").status_code == 200


def test_published_consent_texts_cannot_be_edited_and_consents_are_read_only(client, staff, admin_a, consent_docs):
    from kabinet.accounts.services import consents_record

    consent = consents_record(
        documents=consent_docs[:1], phone="+79000000000", origin=Origin.of(RequestFactory().get("/")), user=admin_a
    )[0]
    client.force_login(staff)
    doc_url = reverse("admin:accounts_consentdocument_change", args=[consent_docs[0].pk])
    client.post(
        doc_url,
        {
            "kind": "terms",
            "version": 1,
            "title": "x",
            "text": "changed",
            "published_at_0": "01.01.2026",
            "published_at_1": "00:00",
        },
    )
    consent_docs[0].refresh_from_db()
    assert consent_docs[0].text == "Текст 1"
    assert client.post(reverse("admin:accounts_consent_delete", args=[consent.pk]), {"post": "yes"}).status_code == 403


def test_no_password_code_or_token_reaches_the_logs_or_the_audit(
    client, registry, consent_docs, staff, caplog, django_capture_on_commit_callbacks, mailoutbox
):
    from kabinet.onboarding.tests.test_registration import FORM, last_code

    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), FORM)
    code = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register_confirm"), {"code": "0000" if code != "0000" else "1111"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register_confirm"), {"code": code})
    client.post("/logout/")
    attempt(client, FORM["phone"], "Wrong-Password-1")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"phone": FORM["phone"]})
    link = next(line for line in mailoutbox[-1].body.splitlines() if "/password/reset/" in line)
    token = link.rstrip("/").split("/")[-1]
    secrets_ = [FORM["password1"], "Wrong-Password-1", token]
    logged = caplog.text
    audited = " ".join(
        f"{e.action} {e.object_repr} {e.before} {e.after} {e.user_agent}" for e in AuditEvent.objects.all()
    )
    for secret in secrets_:
        assert secret not in logged and secret not in audited
    assert f"'{code}'" not in audited and f": {code}" not in logged
    assert {
        "registration_started",
        "sms_code_sent",
        "sms_code_checked",
        "registration_confirmed",
        "sign_in_failed",
        "password_reset_requested",
    } <= set(AuditEvent.objects.values_list("action", flat=True))
    assert sms.outbox  # the code went out only through the SMS backend
