"""Personal data under 152-FZ: the consents a user gave, withdrawing one with
the consequences explained, a copy of the data (JSON and PDF), and deletion on request executed by
staff in /admin/ with an act in the audit."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from pypdfium2 import PdfDocument

from kabinet.accounts import exports
from kabinet.accounts.models import Consent, ConsentWithdrawal, DataRequest, User
from kabinet.accounts.services import consents_record
from kabinet.appeals import services as appeal_services
from kabinet.appeals.models import Appeal
from kabinet.audit.models import AuditEvent
from kabinet.core.net import Origin

PASSWORD = "Personal-Data-2026"


@pytest.fixture
def person(admin_a, consent_docs, rf):
    admin_a.email = "alexey@example.com"
    admin_a.set_password(PASSWORD)
    admin_a.save()
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox")
    consents_record(documents=consent_docs, phone=str(admin_a.phone), origin=Origin.of(request), user=admin_a)
    return admin_a


@pytest.fixture
def person_client(person):
    client = Client()
    client.force_login(person)
    return client


def test_the_user_sees_the_consents_they_gave(person_client, consent_docs):
    html = person_client.get(reverse("accounts:personal_data")).content.decode()
    assert "Согласия и персональные данные" in html
    assert "Пользовательское соглашение" in html and "Согласие на обработку ПДн" in html
    assert html.count("Отозвать") == 2 and "Действует" in html
    # The profile leads there.
    assert reverse("accounts:personal_data") in person_client.get(reverse("accounts:profile")).content.decode()


def test_withdrawing_explains_the_consequences_and_the_portal_asks_again(person_client, person):
    consent = Consent.objects.get(user=person, kind="personal_data")
    url = reverse("accounts:consent_withdraw", args=[consent.pk])
    page = person_client.get(url).content.decode()
    assert "Что произойдёт" in page and "пока вы не дадите его снова" in page and "Договоры, платежи" in page
    assert not ConsentWithdrawal.objects.exists()  # the GET only explains
    response = person_client.post(url)
    assert response["Location"] == reverse("accounts:personal_data")
    withdrawal = ConsentWithdrawal.objects.get(consent=consent)
    assert withdrawal.withdrawn_at is not None
    assert Consent.objects.filter(pk=consent.pk).exists()  # the evidence stays
    assert AuditEvent.objects.filter(action="consent_withdrawn", actor=person).exists()
    # Every other page now asks for the consent first; the data page stays open.
    dashboard = person_client.get("/dashboard/")
    assert dashboard.status_code == 302 and dashboard["Location"].startswith("/consent/")
    assert person_client.get(reverse("accounts:personal_data")).status_code == 200
    assert "Отозвано" in person_client.get(reverse("accounts:personal_data")).content.decode()
    # Withdrawing twice is refused; agreeing again lets the user in.
    assert person_client.get(url).status_code == 404
    person_client.post("/consent/", {f"consent_{consent.kind}": "on", "consent_personal_data": "on"})
    assert person_client.get("/dashboard/").status_code in (200, 302)


def test_another_users_consent_cannot_be_withdrawn(person_client, user_b, consent_docs, rf):
    other = consents_record(
        documents=consent_docs[:1], phone=str(user_b.phone), origin=Origin.of(rf.get("/")), user=user_b
    )[0]
    assert person_client.get(reverse("accounts:consent_withdraw", args=[other.pk])).status_code == 404
    assert person_client.post(reverse("accounts:consent_withdraw", args=[other.pk])).status_code == 404
    assert not ConsentWithdrawal.objects.exists()


def test_the_user_downloads_their_data_as_json_and_pdf(person_client, person, org_a):
    appeal_services.appeal_create(
        org=org_a,
        user=person,
        data=appeal_services.AppealInput(kind="new_leasing", description="Нужен экскаватор", full_name="Админов"),
    )
    response = person_client.get(reverse("accounts:personal_data_json"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["full_name"] == "Админов Алексей" and data["profile"]["email"] == "alexey@example.com"
    assert data["profile"]["phone"].startswith("+7 (")
    assert [o["organization"] for o in data["organizations"]] == [org_a.name]
    assert {c["document"] for c in data["consents"]} == {"Пользовательское соглашение", "Согласие на обработку ПДн"}
    assert data["consents"][0]["ip"] == "203.0.113.7"
    assert [r["description"] for r in data["requests"]] == ["Нужен экскаватор"]
    pdf = person_client.get(reverse("accounts:personal_data_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Админов Алексей" in text and "alexey@example.com" in text


def test_data_pages_need_a_sign_in(client):
    for name in ("accounts:personal_data", "accounts:personal_data_json", "accounts:personal_data_pdf"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_deletion_request_needs_the_confirmation_and_is_shown(person_client, person):
    person_client.post(reverse("accounts:personal_data_delete"), {"reason": "Ухожу"})
    assert not DataRequest.objects.exists()
    person_client.post(reverse("accounts:personal_data_delete"), {"reason": "Ухожу", "confirm": "on"})
    request = DataRequest.objects.get()
    assert request.user == person and request.status == "new" and request.reason == "Ухожу"
    html = person_client.get(reverse("accounts:personal_data")).content.decode()
    assert f"Заявка на удаление данных № {request.pk}" in html and "Принята, ждёт выполнения" in html
    person_client.post(reverse("accounts:personal_data_delete"), {"confirm": "on"})
    assert DataRequest.objects.count() == 1  # one open request at a time


def test_staff_execute_the_deletion_in_the_back_office_with_an_act_in_the_audit(
    person_client, person, staff, org_a, mailoutbox, django_capture_on_commit_callbacks
):
    phone = str(person.phone)
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=person,
        data=appeal_services.AppealInput(kind="new_leasing", description="Лизинг", full_name="Админов", phone=phone),
    )
    person_client.post(reverse("accounts:personal_data_delete"), {"confirm": "on"})
    data_request = DataRequest.objects.get()
    staff_client = Client()
    staff_client.force_login(staff)
    page = staff_client.get(reverse("admin:accounts_datarequest_change", args=[data_request.pk])).content.decode()
    execute = reverse("admin:accounts_datarequest_execute", args=[data_request.pk])
    assert f'action="{execute}"' in page and "Удалить персональные данные" in page
    staff_client.get(execute)  # a GET erases nothing
    assert User.objects.get(pk=person.pk).full_name == "Админов Алексей"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(execute)
    person.refresh_from_db()
    assert person.full_name == "" and person.email == "" and str(person.phone) != phone
    assert not person.is_active and not person.has_usable_password()
    assert not person.memberships.exists()
    assert authenticate(username=phone, password=PASSWORD) is None
    appeal.refresh_from_db()
    assert appeal.full_name == "" and appeal.phone == "" and appeal.description == "Лизинг"  # the request stays
    assert Consent.objects.filter(user=person).count() == 2
    assert not Consent.objects.filter(user=person).exclude(phone="").exists()
    data_request.refresh_from_db()
    assert data_request.status == "done" and data_request.decided_by == staff
    act = AuditEvent.objects.get(action="personal_data_erased")
    assert act.actor == staff and act.actor_kind == "staff" and "удалены по заявке" in act.after["act"]
    assert "Админов" not in json.dumps(act.after, ensure_ascii=False)
    # The last letter went to the address before it was erased.
    assert [m.to for m in mailoutbox if "удалены" in m.subject] == [["alexey@example.com"]]
    # The person's session is over.
    response = person_client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    # A second execution is refused.
    staff_client.post(execute)
    assert AuditEvent.objects.filter(action="personal_data_erased").count() == 1


def test_clients_cannot_execute_a_deletion(person_client, person):
    person_client.post(reverse("accounts:personal_data_delete"), {"confirm": "on"})
    data_request = DataRequest.objects.get()
    person_client.post(reverse("admin:accounts_datarequest_execute", args=[data_request.pk]))
    assert DataRequest.objects.get().status == "new"
    assert Appeal.objects.count() == 0


def test_the_apps_above_accounts_contribute_their_sections_in_the_order_of_the_apps(person):
    """accounts imports no app above it: appeals and support register their parts of the copy."""
    assert [s.key for s in exports.sections()] == ["requests", "support_messages"]
    data = exports.personal_data(person)
    keys = list(data)
    assert keys.index("registrations") < keys.index("requests") < keys.index("support_messages")
    assert keys.index("support_messages") < keys.index("sign_ins_and_actions")
