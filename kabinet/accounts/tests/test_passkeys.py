"""Passkeys and the second sign-in factor, with a software authenticator: the `webauthn` library's real
checks run on every answer."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kabinet.accounts import services
from kabinet.accounts.models import Passkey, PhoneChallenge
from kabinet.accounts.views import SECOND_FACTOR_KEY, SIGNED_IN_AT_KEY
from kabinet.audit.models import AuditEvent
from kabinet.core.net import Origin
from kabinet.testing.factories import PASSWORD, UserFactory
from kabinet.testing.softkey import SoftPasskey

ORIGIN = "http://localhost:8000"


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = [ORIGIN]


def _post_json(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def _add(client, key: SoftPasskey, name: str = "Ноутбук", **create):
    options = _post_json(client, reverse("accounts:passkey_register_options")).json()
    return _post_json(
        client, reverse("accounts:passkey_register"), {"name": name, "credential": key.create(options, **create)}
    )


def _sign_in(client, key: SoftPasskey, **get):
    options = _post_json(client, reverse("accounts:passkey_signin_options")).json()
    return _post_json(client, reverse("accounts:passkey_signin"), {"credential": key.get(options, **get)})


def _password(client, user):
    return client.post(reverse("accounts:login"), {"username": str(user.phone), "password": PASSWORD})


def test_a_passkey_added_in_the_profile_is_kept_with_its_key_and_recorded(client_a, admin_a):
    key = SoftPasskey()
    response = _add(client_a, key)
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": reverse("accounts:profile")}
    passkey = Passkey.objects.get(user=admin_a)
    assert (passkey.name, bytes(passkey.credential_id), passkey.transports) == (
        "Ноутбук",
        key.credential_id,
        ["internal"],
    )
    assert passkey.public_key and passkey.last_used_at is None
    assert AuditEvent.objects.filter(action="passkey_added", actor=admin_a).exists()
    html = client_a.get(reverse("accounts:profile")).content.decode()
    assert "Ноутбук" in html and "Ключи доступа" in html


def test_the_registration_options_name_the_configured_relying_party(client_a, admin_a, settings):
    settings.WEBAUTHN_RP_ID = "kabinet.example.ru"
    options = _post_json(client_a, reverse("accounts:passkey_register_options")).json()
    assert options["rp"]["id"] == "kabinet.example.ru"
    assert options["authenticatorSelection"]["userVerification"] == "required"


def test_an_answer_from_another_origin_or_an_unknown_challenge_adds_nothing(client_a, admin_a):
    key = SoftPasskey()
    response = _add(client_a, key, origin="http://evil.example")
    assert response.status_code == 400
    assert "не прошёл проверку" in response.json()["error"]
    # The challenge is spent: the same answer again finds no challenge.
    again = _post_json(client_a, reverse("accounts:passkey_register"), {"credential": key.create({"challenge": "x"})})
    assert again.status_code == 400
    assert not Passkey.objects.exists()


def test_a_passkey_signs_in_without_the_password(client, admin_a):
    key = SoftPasskey()
    client.force_login(admin_a)
    _add(client, key)
    client.post(reverse("accounts:logout"))
    assert client.get("/dashboard/").status_code == 302

    response = _sign_in(client, key)
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/dashboard/"}
    assert client.get("/dashboard/").status_code == 200
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert AuditEvent.objects.filter(action="passkey_used", actor=admin_a).exists()
    assert AuditEvent.objects.filter(action="sign_in", actor=admin_a).exists()


def test_a_replayed_or_forged_assertion_does_not_sign_in(client, admin_a):
    key = SoftPasskey()
    client.force_login(admin_a)
    _add(client, key)
    client.post(reverse("accounts:logout"))
    options = _post_json(client, reverse("accounts:passkey_signin_options")).json()
    answer = key.get(options)
    assert _post_json(client, reverse("accounts:passkey_signin"), {"credential": answer}).status_code == 200
    client.post(reverse("accounts:logout"))
    # The same answer again: its challenge is spent.
    assert _post_json(client, reverse("accounts:passkey_signin"), {"credential": answer}).status_code == 400
    # Another key that claims the same credential id: the signature does not match the kept public key.
    forger = SoftPasskey()
    forger.credential_id = key.credential_id
    assert _sign_in(client, forger).status_code == 400
    assert client.get("/dashboard/").status_code == 302


def test_an_organization_requiring_a_second_factor_stops_the_password_half_way(client, admin_a, org_a):
    org_a.second_factor_required = True
    org_a.save()
    response = _password(client, admin_a)
    assert response["Location"] == reverse("accounts:second_factor")
    assert SECOND_FACTOR_KEY in client.session
    # Half signed in: no other page accepts the session.
    assert client.get("/dashboard/")["Location"].startswith("/login/")
    assert client.get(reverse("accounts:profile"))["Location"].startswith("/login/")

    client.post(reverse("accounts:second_factor"), {"action": "send"})
    challenge = PhoneChallenge.objects.get(user=admin_a, purpose=PhoneChallenge.Purpose.SIGN_IN)
    wrong = client.post(reverse("accounts:second_factor"), {"action": "code", "code": "000000"})
    assert wrong.status_code == 200 and "Неверный код" in wrong.content.decode()
    done = client.post(
        reverse("accounts:second_factor"), {"action": "code", "code": services.challenge_code(challenge)}
    )
    assert done["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert SECOND_FACTOR_KEY not in client.session


def test_a_code_sent_for_another_purpose_is_not_a_second_factor(client, admin_a, org_a):
    org_a.second_factor_required = True
    org_a.save()
    _password(client, admin_a)
    other = services.phone_change_start(user=admin_a, new_phone="+79990001122", origin=Origin())
    session = client.session
    session[SECOND_FACTOR_KEY] = {**session[SECOND_FACTOR_KEY], "challenge": other.pk}
    session.save()
    response = client.post(
        reverse("accounts:second_factor"), {"action": "code", "code": services.challenge_code(other)}
    )
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302


def test_the_second_factor_can_be_a_passkey_of_that_user_only(client, admin_a, org_a, user_b):
    mine, theirs = SoftPasskey(), SoftPasskey()
    client.force_login(user_b)
    _add(client, theirs)
    client.force_login(admin_a)
    _add(client, mine)
    client.post(reverse("accounts:logout"))
    org_a.second_factor_required = True
    org_a.save()

    _password(client, admin_a)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "Подтвердить ключом доступа" in page
    assert _sign_in(client, theirs).status_code == 400
    assert client.get("/dashboard/").status_code == 302
    response = _sign_in(client, mine)
    assert response.status_code == 200 and response.json() == {"redirect": "/dashboard/"}
    assert client.get("/dashboard/").status_code == 200


def test_staff_confirm_a_second_factor_before_the_back_office(client, staff):
    response = _password(client, staff)
    assert response["Location"] == reverse("accounts:second_factor")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    client.post(reverse("accounts:second_factor"), {"action": "send"})
    challenge = PhoneChallenge.objects.get(user=staff, purpose=PhoneChallenge.Purpose.SIGN_IN)
    client.post(reverse("accounts:second_factor"), {"action": "code", "code": services.challenge_code(challenge)})
    assert client.get("/admin/").status_code == 200


def test_members_of_other_organizations_sign_in_with_the_password_alone(client, admin_a):
    assert _password(client, admin_a)["Location"] == "/dashboard/"


def test_an_expired_half_sign_in_starts_again(client, admin_a, org_a):
    org_a.second_factor_required = True
    org_a.save()
    _password(client, admin_a)
    session = client.session
    session[SECOND_FACTOR_KEY] = {**session[SECOND_FACTOR_KEY], "until": 0}
    session.save()
    assert client.get(reverse("accounts:second_factor"))["Location"] == reverse("accounts:login")


def test_deleting_a_passkey_needs_the_password_unless_just_signed_in(client_a, admin_a):
    _add(client_a, SoftPasskey())
    passkey = Passkey.objects.get()
    delete = {"action": "passkey_delete", "passkey": passkey.pk}
    # force_login is not a fresh sign-in: the password is asked, next to the field.
    response = client_a.post(reverse("accounts:profile"), delete)
    assert response.status_code == 200 and "Введите пароль, чтобы удалить ключ доступа." in response.content.decode()
    response = client_a.post(reverse("accounts:profile"), {**delete, "password": "wrong"})
    assert "Неверный пароль." in response.content.decode()
    assert Passkey.objects.exists()
    assert client_a.post(reverse("accounts:profile"), {**delete, "password": PASSWORD}).status_code == 302
    assert not Passkey.objects.exists()
    assert AuditEvent.objects.filter(action="passkey_deleted", actor=admin_a).exists()


def test_right_after_signing_in_a_passkey_is_deleted_without_the_password(client, admin_a):
    _password(client, admin_a)
    assert SIGNED_IN_AT_KEY in client.session
    _add(client, SoftPasskey())
    passkey = Passkey.objects.get()
    response = client.post(reverse("accounts:profile"), {"action": "passkey_delete", "passkey": passkey.pk})
    assert response.status_code == 302
    assert not Passkey.objects.exists()


def test_another_users_passkey_cannot_be_deleted(client_a, user_b):
    client_a.force_login(user_b)
    _add(client_a, SoftPasskey())
    passkey = Passkey.objects.get()
    client_a.force_login(UserFactory())
    response = client_a.post(
        reverse("accounts:profile"), {"action": "passkey_delete", "passkey": passkey.pk, "password": PASSWORD}
    )
    assert response.status_code == 404
    assert Passkey.objects.exists()


def test_the_organizations_administrator_requires_the_second_factor(client_a, admin_a, org_a, manager_a, client):
    session = client_a.session
    session["kabinet_sudo_until"] = 2**40
    session.save()
    response = client_a.post(reverse("organizations:second_factor"), {"second_factor_required": "on"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.second_factor_required
    assert AuditEvent.objects.filter(action="second_factor_changed", organization=org_a).exists()
    history = client_a.get(reverse("organizations:history")).content.decode()
    assert "Изменено требование второго фактора входа" in history

    client_a.force_login(manager_a)
    assert client_a.post(reverse("organizations:second_factor"), {}).status_code == 403
    org_a.refresh_from_db()
    assert org_a.second_factor_required
