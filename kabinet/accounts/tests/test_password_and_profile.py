"""Password recovery (§1.3) and the profile (§10)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.messaging import sms
from kabinet.testing.factories import PASSWORD, UserFactory

NEW = "Another-Strong-Pass-77"


def reset_link(mailoutbox) -> str:
    match = re.search(re.escape(settings.PORTAL_URL) + r"(/password/reset/\S+/)", str(mailoutbox[-1].body))
    assert match
    return match.group(1)


def test_the_reset_answer_is_the_same_whether_or_not_the_phone_exists(
    client, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"phone": str(admin_a.phone)})
        unknown = client.post(reverse("accounts:password_reset"), {"phone": "+7 999 765-43-21"})
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_sent")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [admin_a.email]


def test_the_link_sets_a_new_password_once_and_ends_every_other_session(
    client, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(admin_a)
    assert other.get("/dashboard/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"phone": str(admin_a.phone)})
    link = reset_link(mailoutbox)
    form_page = client.get(link, follow=True)
    assert "Новый пароль" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    admin_a.refresh_from_db()
    assert admin_a.check_password(NEW)
    assert other.get("/dashboard/").status_code == 302  # the other session is over
    again = client.get(link, follow=True).content.decode()
    assert "Ссылка недействительна" in again
    assert "изменён" in mailoutbox[-1].subject


def test_the_link_expires_after_an_hour(client, admin_a, mailoutbox, settings, django_capture_on_commit_callbacks):
    from unittest import mock

    from django.contrib.auth.tokens import default_token_generator

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"phone": str(admin_a.phone)})
    link = reset_link(mailoutbox)
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    with mock.patch.object(default_token_generator, "_now", return_value=later):
        page = client.get(link, follow=True).content.decode()
    assert "Ссылка недействительна" in page


def test_profile_edits_name_and_email_and_tells_both_addresses(
    client_a, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    old_email = admin_a.email
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("accounts:profile"), {"action": "profile", "full_name": "Новое Имя", "email": "new@example.com"}
        )
    assert response.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.full_name == "Новое Имя" and admin_a.email == "new@example.com"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([old_email, "new@example.com"])


def test_bad_profile_input_is_told_next_to_the_field_and_kept(client_a):
    html = client_a.post(
        reverse("accounts:profile"), {"action": "profile", "full_name": "Имя", "email": "not-an-email"}
    ).content.decode()
    assert "Введите правильный адрес электронной почты" in html and 'value="not-an-email"' in html


def test_changing_the_phone_needs_the_code_sent_to_the_new_number(
    client_a, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("accounts:profile"), {"action": "phone", "phone": "+7 (921) 000-11-22"})
    assert response["Location"] == reverse("accounts:phone_confirm")
    assert sms.outbox[-1]["phone"] == "+79210001122"
    match = re.search(r"\d{4}", sms.outbox[-1]["text"])
    assert match
    code = match.group(0)
    wrong = client_a.post(reverse("accounts:phone_confirm"), {"code": str((int(code) + 1) % 10000).zfill(4)})
    assert "Неверный код" in wrong.content.decode()
    admin_a.refresh_from_db()
    assert str(admin_a.phone) != "+79210001122"
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("accounts:phone_confirm"), {"code": code})
    admin_a.refresh_from_db()
    assert str(admin_a.phone) == "+79210001122"
    assert "телефон" in mailoutbox[-1].subject.lower()
    assert Client().post("/login/", {"username": "89210001122", "password": PASSWORD}).status_code == 302


def test_a_phone_of_another_account_is_refused(client_a):
    UserFactory(phone="+79210001122")
    html = client_a.post(reverse("accounts:profile"), {"action": "phone", "phone": "89210001122"}).content.decode()
    assert "привязан к другой учётной записи" in html


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong", NEW, NEW, "Текущий пароль указан неверно"),
        (PASSWORD, NEW, NEW + "x", "Пароли не совпадают"),
        (PASSWORD, "password", "password", "слишком"),
    ],
)
def test_password_change_errors(client_a, old, new1, new2, message):
    html = client_a.post(
        reverse("accounts:profile"),
        {
            "action": "password",
            "old_password": old,
            "new_password1": new1,
            "new_password2": new2,
        },
    ).content.decode()
    assert message in html


def test_password_change_keeps_this_session_ends_the_others_and_tells_by_email(
    client_a, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("accounts:profile"),
            {
                "action": "password",
                "old_password": PASSWORD,
                "new_password1": NEW,
                "new_password2": NEW,
            },
        )
    assert response.status_code == 302
    assert User.objects.get(pk=admin_a.pk).check_password(NEW)
    assert client_a.get("/dashboard/").status_code == 200
    assert other.get("/dashboard/").status_code == 302
    assert mailoutbox[-1].to == [admin_a.email] and "пароль" in mailoutbox[-1].subject.lower()
