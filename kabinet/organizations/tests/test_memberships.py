"""Consent for every membership: an invitation is accepted by the person (a new phone with the SMS code
sent to it), a request to join goes to the company's administrators first, and the selected organization
never changes by itself."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from kabinet.accounts import services as account_services
from kabinet.accounts.models import User
from kabinet.audit.models import AuditEvent
from kabinet.core.access import SUDO_KEY
from kabinet.messaging import sms
from kabinet.organizations.models import Invitation, Membership
from kabinet.testing.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from kabinet.testing.html import parse


@pytest.fixture
def admin_client(client_a):
    session = client_a.session
    session[SUDO_KEY] = time.time() + 600
    session.save()
    return client_a


def _invite(client, phone, *, name="Как Назвал Пригласивший", email="inviter-chose@example.com", role="admin"):
    return client.post(
        "/settings/employees/add/", {"phone": phone, "full_name": name, "email": email, "role": role}, follow=True
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# 13.2 — an existing user is invited, never attached


def test_adding_an_existing_users_phone_links_nobody_and_reveals_nothing(
    admin_client, org_a, user_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = _invite(admin_client, str(user_b.phone)).content.decode()
    assert not Membership.objects.filter(user=user_b, organization=org_a).exists()
    assert "Приглашение отправлено" in page
    assert user_b.full_name not in page and user_b.email not in page
    assert "Как Назвал Пригласивший" in page  # only what the inviter typed
    # The person is told at their own address, never at the one the inviter chose.
    assert [m.to for m in mail.outbox] == [[user_b.email]]
    assert "ООО «Альфа»" in sms.outbox[-1]["text"] and "/invitation/" not in sms.outbox[-1]["text"]
    assert AuditEvent.objects.filter(action="employee_invited", organization=org_a).exists()


def test_the_inviter_gets_the_same_answer_for_a_known_and_an_unknown_phone(admin_client, user_b):
    known = _invite(admin_client, str(user_b.phone)).content.decode()
    unknown = _invite(admin_client, "+79215550000").content.decode()
    assert "Приглашение отправлено. Сотрудник получит доступ, когда примет его." in known
    assert "Приглашение отправлено. Сотрудник получит доступ, когда примет его." in unknown


def test_the_invited_user_sees_the_invitation_accepts_it_and_stays_in_their_organization(
    admin_client, org_a, org_b, user_b, admin_a
):
    _invite(admin_client, str(user_b.phone), role="manager")
    invited = _signed_in(user_b)
    dashboard = invited.get("/dashboard/").content.decode()
    assert "Приглашение в организацию ООО «Альфа»" in dashboard
    invitation = Invitation.objects.get(phone=user_b.phone)
    response = invited.post(f"/invitations/{invitation.pk}/accept/", follow=True)
    assert response.status_code == 200
    membership = Membership.objects.get(user=user_b, organization=org_a)
    assert membership.status == "active" and membership.role == "manager"
    assert "ООО «Бета»" in invited.get("/settings/").content.decode().split("<h2")[1]  # the selection stayed
    assert "Приглашение в организацию" not in invited.get("/dashboard/").content.decode()
    # Now, and only now, the inviter sees who it is.
    assert user_b.full_name in admin_client.get("/settings/").content.decode()
    assert AuditEvent.objects.filter(action="invitation_accepted", organization=org_a, actor=user_b).exists()


def test_a_declined_invitation_links_nobody(admin_client, org_a, user_b):
    _invite(admin_client, str(user_b.phone))
    invitation = Invitation.objects.get(phone=user_b.phone)
    _signed_in(user_b).post(f"/invitations/{invitation.pk}/decline/")
    assert Invitation.objects.get(pk=invitation.pk).status == "declined"
    assert not Membership.objects.filter(user=user_b, organization=org_a).exists()
    assert AuditEvent.objects.filter(action="invitation_declined", organization=org_a).exists()
    assert "Как Назвал Пригласивший" not in admin_client.get("/settings/").content.decode()


def test_nobody_answers_an_invitation_to_another_phone(admin_client, user_b, manager_a):
    _invite(admin_client, str(user_b.phone))
    invitation = Invitation.objects.get(phone=user_b.phone)
    stranger = _signed_in(UserFactory())
    assert stranger.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
    assert stranger.post(f"/invitations/{invitation.pk}/decline/").status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_a_revoked_invitation_cannot_be_accepted(admin_client, user_b):
    _invite(admin_client, str(user_b.phone))
    invitation = Invitation.objects.get(phone=user_b.phone)
    admin_client.post(f"/settings/invitations/{invitation.pk}/revoke/")
    assert _signed_in(user_b).post(f"/invitations/{invitation.pk}/accept/").status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"


def test_the_selected_organization_never_changes_by_itself(org_b, user_b):
    """A sign-in without a remembered choice opens the organization the user has had longest, not a newer
    one that sorts first by name."""
    newer = OrganizationFactory(name="ААА Первая по алфавиту")
    MembershipFactory(user=user_b, organization=newer, role="manager")
    client = Client()
    client.post("/login/", {"username": str(user_b.phone), "password": PASSWORD})
    assert parse(client.get("/settings/")).find("h2", id="org-title").text == org_b.name


# 13.3 — a new phone is confirmed by the SMS code sent to it


def test_a_new_phone_accepts_only_with_the_code_sent_to_that_phone(
    admin_client, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client, "+7 921 111-22-33", email="inviter-chose@example.com", role="manager")
    assert not User.objects.filter(phone="+79211112233").exists()  # no account before the person acts
    match = re.search(re.escape(settings.PORTAL_URL) + r"(/invitation/\S+/)", str(mail.outbox[-1].body))
    assert match
    link = match.group(1)
    assert mail.outbox[-1].to == ["inviter-chose@example.com"]
    guest = Client()
    assert "Получить код" in guest.get(link).content.decode()
    form = {
        "code": "0000",
        "full_name": "Новый Сотрудник",
        "email": "me@example.com",
        "new_password1": "Invited-Pass-2026",
        "new_password2": "Invited-Pass-2026",
        "consent": "on",
    }
    # Whoever holds the link but not the phone gets nowhere.
    assert guest.post(link, form).status_code == 400
    assert not User.objects.filter(phone="+79211112233").exists()
    with django_capture_on_commit_callbacks(execute=True):
        guest.post(link, {"action": "send_code"})
    sent = sms.outbox[-1]
    assert sent["phone"] == "+79211112233"
    match = re.search(r"\d{4}", sent["text"])
    assert match
    code = match.group(0)
    wrong = "1111" if code != "1111" else "2222"
    assert "Неверный код" in guest.post(link, form | {"code": wrong}).content.decode()
    assert not User.objects.filter(phone="+79211112233").exists()
    response = guest.post(link, form | {"code": code})
    assert response.status_code == 302
    user = User.objects.get(phone="+79211112233")
    assert user.full_name == "Новый Сотрудник" and user.email == "me@example.com"
    assert Membership.objects.get(user=user, organization=org_a).status == "active"
    assert guest.post("/login/", {"username": "89211112233", "password": "Invited-Pass-2026"}).status_code == 302
    # The link works once.
    assert Client().get(link).status_code == 404


def test_the_invitation_code_follows_the_registration_rules(admin_client, settings):
    _invite(admin_client, "+79211112233")
    invitation = Invitation.objects.get(phone="+79211112233")
    from kabinet.organizations.services import employees

    employees.invitation_send_code(invitation=invitation)
    with pytest.raises(account_services.ServiceError):
        employees.invitation_send_code(invitation=invitation)  # one a minute, like registration


# 14.6 — the dialog keeps what was typed and asks for the password in place


def test_adding_an_employee_without_a_fresh_password_keeps_the_form_and_asks_in_the_dialog(client_a, org_a):
    typed = {"phone": "+7 921 111-22-33", "full_name": "Новый Сотрудник", "email": "new@example.com", "role": "admin"}
    response = client_a.post("/settings/employees/add/", typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="sudo_password"' in html and "Введите пароль" in html
    for value in ("Новый Сотрудник", "new@example.com", "+7 921 111-22-33"):
        assert value in html
    assert not Invitation.objects.exists()
    wrong = client_a.post("/settings/employees/add/", typed | {"sudo_password": "nope"}).content.decode()
    assert "Неверный пароль" in wrong and "Новый Сотрудник" in wrong
    response = client_a.post("/settings/employees/add/", typed | {"sudo_password": PASSWORD})
    assert response.status_code == 302
    assert Invitation.objects.get().full_name == "Новый Сотрудник"
    # Within 15 minutes the dialog does not ask again.
    assert 'name="sudo_password"' not in client_a.get("/settings/").content.decode()


# 14.7 — a request to join goes to the company's administrators first


# 13 — «Отправить приглашение повторно»: a new link, the old one dead, limited, in the history


def test_resending_an_invitation_makes_the_old_link_dead_and_is_in_the_history(
    admin_client, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client, "+7 921 111-22-33", role="manager")
    match = re.search(re.escape(settings.PORTAL_URL) + r"(/invitation/\S+/)", str(mail.outbox[-1].body))
    assert match
    old_link = match.group(1)
    invitation = Invitation.objects.get(phone="+79211112233")
    assert "Отправить приглашение повторно" in admin_client.get("/settings/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(f"/settings/invitations/{invitation.pk}/resend/", follow=True).content.decode()
    assert "Приглашение отправлено повторно" in page
    match = re.search(re.escape(settings.PORTAL_URL) + r"(/invitation/\S+/)", str(mail.outbox[-1].body))
    assert match
    new_link = match.group(1)
    assert new_link != old_link and new_link in sms.outbox[-1]["text"]
    assert Client().get(old_link).status_code == 404
    assert Client().get(new_link).status_code == 200
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert AuditEvent.objects.filter(action="invitation_resent", organization=org_a).count() == 1
    history = admin_client.get("/settings/history/").content.decode()
    assert "Приглашение отправлено повторно" in history


def test_resending_is_limited_per_phone(admin_client, settings, django_capture_on_commit_callbacks):
    settings.INVITATION_RESEND_LIMIT = 2
    _invite(admin_client, "+7 921 111-22-33")
    invitation = Invitation.objects.get(phone="+79211112233")
    for _ in range(2):
        admin_client.post(f"/settings/invitations/{invitation.pk}/resend/")
    token_hash = Invitation.objects.get(pk=invitation.pk).token_hash
    sent = len(sms.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(f"/settings/invitations/{invitation.pk}/resend/", follow=True).content.decode()
    assert "Попробуйте ещё раз через час" in page
    assert len(sms.outbox) == sent and Invitation.objects.get(pk=invitation.pk).token_hash == token_hash
    assert AuditEvent.objects.filter(action="invitation_resent").count() == 2


def test_only_an_administrator_resends_and_only_a_pending_invitation(admin_client, manager_a, user_b):
    _invite(admin_client, str(user_b.phone))
    invitation = Invitation.objects.get(phone=user_b.phone)
    assert _signed_in(manager_a).post(f"/settings/invitations/{invitation.pk}/resend/").status_code == 403
    admin_client.post(f"/settings/invitations/{invitation.pk}/revoke/")
    assert admin_client.post(f"/settings/invitations/{invitation.pk}/resend/").status_code == 404
    assert not AuditEvent.objects.filter(action="invitation_resent").exists()


def test_revoking_and_inviting_again_does_not_get_round_the_limit(admin_client, settings):
    settings.INVITATION_RESEND_LIMIT = 1
    for _ in range(2):
        _invite(admin_client, "+7 921 111-22-33")
        invitation = Invitation.objects.get(phone="+79211112233", status="pending")
        admin_client.post(f"/settings/invitations/{invitation.pk}/revoke/")
    sent = len(sms.outbox)
    page = _invite(admin_client, "+7 921 111-22-33").content.decode()
    assert "Слишком много приглашений на этот номер" in page
    assert len(sms.outbox) == sent and not Invitation.objects.filter(status="pending").exists()
