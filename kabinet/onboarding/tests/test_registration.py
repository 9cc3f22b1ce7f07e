"""Registration (§1.1), staff approval, «Добавить организацию»."""

import hashlib

import pytest
from django.core import mail
from django.urls import reverse

from kabinet.accounts.models import Consent, Registration, User
from kabinet.audit.models import AuditEvent
from kabinet.messaging import sms
from kabinet.onboarding import services
from kabinet.organizations.models import Membership, Organization
from kabinet.testing.factories import ContractFactory, MembershipFactory, UserFactory

FORM = {
    "company": "ООО «Ромашка», ИНН 7801234564",
    "inn": "7801234564",
    "full_name": "Иванова Мария Сергеевна",
    "phone": "8 (921) 555-12-34",
    "email": "maria@example.com",
    "password1": "Leasing-Portal-2026",
    "password2": "Leasing-Portal-2026",
    "consent_terms": "on",
    "consent_personal_data": "on",
}


def last_code(phone="+79215551234") -> str:
    text = [m for m in sms.outbox if m["phone"] == phone][-1]["text"]
    return "".join(ch for ch in text if ch.isdigit())


@pytest.fixture
def registered(client, registry, consent_docs, django_capture_on_commit_callbacks):
    """Walk the form and the SMS code; return the new user."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), FORM)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:register_confirm")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register_confirm"), {"code": last_code()})
    assert response["Location"] == reverse("accounts:register_done")
    return User.objects.get(phone="+79215551234")


def test_the_form_has_the_fields_of_the_manual_and_unticked_separate_consents(client, consent_docs):
    html = client.get(reverse("accounts:register")).content.decode()
    for label in (
        "ИНН или название организации",
        "ФИО",
        "Телефон",
        "Email",
        "Пароль",
        "Пароль ещё раз",
        "На данный номер мы отправим код подтверждения",
        "Далее",
    ):
        assert label in html, label
    assert 'name="consent_terms"' in html and 'name="consent_personal_data"' in html
    assert "checked" not in html


def test_suggestions_find_the_company_by_name_or_inn(client, registry):
    by_name = client.get(reverse("accounts:company_suggestions"), {"company": "ромаш"}).content.decode()
    assert "ООО «Ромашка»" in by_name and 'data-director="Иванов Иван Петрович"' in by_name
    by_inn = client.get(reverse("accounts:company_suggestions"), {"company": "770708"}).content.decode()
    assert "ПАО «Сбербанк»" in by_inn and "Ромашка" not in by_inn
    assert "Закрыто" not in client.get(reverse("accounts:company_suggestions"), {"company": "закры"}).content.decode()


def test_registration_confirms_the_phone_and_waits_for_a_manager(client, registered):
    registration = Registration.objects.get(user=registered)
    assert registration.status == Registration.Status.AWAITING_APPROVAL
    assert registered.check_password(FORM["password1"]) and registered.password.startswith("argon2")
    assert registered.full_name == "Иванова Мария Сергеевна" and registered.email == "maria@example.com"
    org = Organization.objects.get(inn="7801234564")
    assert org.status == Organization.Status.PENDING and org.director == "Иванов Иван Петрович"
    assert Membership.objects.get(user=registered).status == Membership.Status.REQUESTED
    # Signed in, but no data until approval: the waiting state.
    response = client.get("/dashboard/")
    assert response.status_code == 403 and "ожидает проверки" in response.content.decode()


def test_each_consent_is_kept_with_the_exact_text_version_time_ip_and_agent(client, registered, consent_docs):
    consents = Consent.objects.filter(registration__user=registered).order_by("kind")
    assert {c.kind for c in consents} == {"terms", "personal_data"}
    for consent in consents:
        assert consent.text_sha256 == hashlib.sha256(consent.document.text.encode()).hexdigest()
        assert consent.version == 1 and consent.phone == "+79215551234" and consent.ip == "127.0.0.1"
        assert consent.accepted_at is not None


def test_a_wrong_inn_a_liquidated_company_and_bad_fields_are_told_next_to_the_field(client, registry, consent_docs):
    bad = {**FORM, "inn": "", "company": "7801234565", "phone": "12", "password2": "other", "consent_personal_data": ""}
    html = client.post(reverse("accounts:register"), bad).content.decode()
    assert "Неверное контрольное число ИНН" in html
    assert "Введите номер телефона полностью" in html
    assert "Пароли не совпадают" in html
    assert "дайте согласие на обработку персональных данных" in html
    # What was typed stays.
    assert "Иванова Мария Сергеевна" in html and "maria@example.com" in html
    liquidated = client.post(reverse("accounts:register"), {**FORM, "inn": "7709876545"}).content.decode()
    assert "не действует" in liquidated
    weak = client.post(reverse("accounts:register"), {**FORM, "password1": "12345678", "password2": "12345678"})
    assert "слишком" in weak.content.decode().lower()
    assert not Registration.objects.exists()


def test_a_registered_phone_is_sent_to_sign_in(client, registry, consent_docs):
    UserFactory(phone="+79215551234")
    html = client.post(reverse("accounts:register"), FORM).content.decode()
    assert "уже зарегистрирован" in html
    assert not Registration.objects.exists()


def test_resend_has_a_cool_down(client, registry, consent_docs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), FORM)
    page = client.get(reverse("accounts:register_confirm")).content.decode()
    assert ("Отправить код заново" in page and 'data-cooldown="60"' in page) or 'data-cooldown="59"' in page
    response = client.post(reverse("accounts:register_resend"), follow=True)
    assert "Новый код можно отправить через" in response.content.decode()
    assert len(sms.outbox) == 1


def test_staff_approval_opens_the_organization_with_its_first_user_as_administrator(
    client, registered, staff, products, django_capture_on_commit_callbacks
):
    org = Organization.objects.get(inn="7801234564")
    ContractFactory(organization=org, product=products["auto"], number="RM-0001")
    registration = Registration.objects.get(user=registered)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_approve(registration_id=registration.pk, staff=staff)
    org.refresh_from_db()
    membership = Membership.objects.get(user=registered, organization=org)
    assert org.status == Organization.Status.ACTIVE
    assert membership.role == Membership.Role.ADMIN and membership.status == Membership.Status.ACTIVE
    assert "открыт" in sms.outbox[-1]["text"] and sms.outbox[-1]["phone"] == "+79215551234"
    assert mail.outbox[-1].to == ["maria@example.com"]
    assert AuditEvent.objects.filter(action="registration_approved", actor=staff).exists()
    assert "RM-0001" in client.get("/contracts/").content.decode()


def test_a_later_user_of_an_existing_organization_waits_for_its_administrator(
    client, registry, consent_docs, staff, django_capture_on_commit_callbacks
):
    org = Organization.objects.create(inn="7801234564", name="ООО «Ромашка»", status=Organization.Status.ACTIVE)
    MembershipFactory(organization=org, role=Membership.Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), FORM)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register_confirm"), {"code": last_code()})
    registration = Registration.objects.get()
    # The company's administrator decides first: the lessor's staff cannot approve it past them.
    assert registration.status == Registration.Status.AWAITING_ORG_ADMIN
    with pytest.raises(services.ServiceError):
        services.registration_approve(registration_id=registration.pk, staff=staff)
    membership = Membership.objects.get(user=registration.user, organization=org)
    assert membership.status == Membership.Status.REQUESTED and membership.role == Membership.Role.MANAGER


def test_staff_reject_with_a_reason_the_user_is_told(client, registered, staff, django_capture_on_commit_callbacks):
    registration = Registration.objects.get(user=registered)
    with pytest.raises(services.ServiceError):
        services.registration_reject(registration_id=registration.pk, staff=staff, reason="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_reject(registration_id=registration.pk, staff=staff, reason="ИНН другой компании")
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.REJECTED
    assert "ИНН другой компании" in mail.outbox[-1].body
    assert Membership.objects.get(user=registered).status == Membership.Status.INACTIVE
    assert "ИНН другой компании" in client.get(reverse("organizations:list")).content.decode()


def test_staff_approve_and_reject_in_the_back_office(client, registered, staff, django_capture_on_commit_callbacks):
    registration = Registration.objects.get(user=registered)
    client.force_login(staff)
    url = reverse("admin:accounts_registration_changelist")
    assert "ООО «Ромашка»" in client.get(url).content.decode()
    page = client.post(url, {"action": "reject", "_selected_action": [registration.pk]})
    assert "Причина" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve", "_selected_action": [registration.pk]})
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.APPROVED


def test_add_organization_waits_for_approval_like_a_registration(
    client_a, registry, staff, admin_a, django_capture_on_commit_callbacks
):
    response = client_a.post(reverse("organizations:add"), {"company": "7707083893"})
    assert response.status_code == 302
    registration = Registration.objects.get(user=admin_a)
    assert registration.kind == Registration.Kind.ADD_ORGANIZATION
    assert registration.status == Registration.Status.AWAITING_APPROVAL
    page = client_a.get(reverse("organizations:list")).content.decode()
    assert "ПАО «Сбербанк»" in page and "Ожидает" in page
    again = client_a.post(reverse("organizations:add"), {"company": "7707083893"}).content.decode()
    assert "уже ожидает" in again
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_approve(registration_id=registration.pk, staff=staff)
    switcher = [m.organization.inn for m in client_a.get("/dashboard/").wsgi_request.memberships]
    assert "7707083893" in switcher
