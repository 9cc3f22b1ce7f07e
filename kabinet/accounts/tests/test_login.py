import pytest
from django.urls import reverse

from kabinet.testing.factories import PASSWORD, UserFactory

WRONG = "Неверный номер телефона или пароль. Проверьте их и попробуйте ещё раз."


@pytest.mark.parametrize("typed", ["+7 911 000-00-77", "89110000077", "9110000077"])
def test_it_signs_in_with_the_phone_typed_any_common_way(client, admin_a, typed):
    admin_a.phone = "+79110000077"
    admin_a.save()
    response = client.post(reverse("accounts:login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_login_page_has_the_manuals_fields(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    for label in ("Номер телефона", "Пароль", "Запомнить меня", "Войти"):
        assert label in html


def test_a_wrong_password_and_an_unknown_phone_get_the_same_message(client, admin_a):
    wrong_password = client.post(reverse("accounts:login"), {"username": str(admin_a.phone), "password": "nope"})
    unknown_phone = client.post(reverse("accounts:login"), {"username": "+7 999 123-45-67", "password": "nope"})
    garbage_phone = client.post(reverse("accounts:login"), {"username": "abc", "password": "nope"})
    for response in (wrong_password, unknown_phone, garbage_phone):
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    # The phone typed is kept in the form.
    assert "+7 999 123-45-67" in unknown_phone.content.decode()


def test_remember_me_keeps_the_session_otherwise_it_ends_with_the_browser(client, admin_a, settings):
    client.post(reverse("accounts:login"), {"username": str(admin_a.phone), "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": str(admin_a.phone), "password": PASSWORD, "remember_me": "on"})
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.REMEMBER_ME_AGE


def test_sign_out_ends_the_session(client_a):
    assert client_a.get("/dashboard/").status_code == 200
    response = client_a.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client_a.get("/dashboard/")["Location"].startswith("/login/")


def test_pages_ask_to_sign_in_first(client, db):
    for url in ("/dashboard/", "/contracts/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_a_blocked_user_cannot_sign_in(client, db):
    user = UserFactory(is_active=False)
    response = client.post(reverse("accounts:login"), {"username": str(user.phone), "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(admin_a):
    assert admin_a.password.startswith("argon2")
