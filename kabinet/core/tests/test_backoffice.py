"""The back office: Russian with correct grammar, readable data, the request
work queue, internal notes, reply templates, attachments, decisions on the registration page, and
staff sign-in under the clients' session rules."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts import services as account_services
from kabinet.accounts.middleware import DEADLINE_KEY
from kabinet.accounts.models import PhoneChallenge, Registration
from kabinet.api.models import ApiEvent
from kabinet.appeals import services
from kabinet.appeals.models import Appeal, AppealTopic, ReplyTemplate, StaffNote
from kabinet.audit.models import AuditEvent
from kabinet.core.admin_site import NOUNS
from kabinet.documents.models import Document
from kabinet.messaging import sms
from kabinet.notifications.models import Notification
from kabinet.onboarding.tests.test_registration import FORM
from kabinet.testing.factories import ContractFactory, UserFactory

PDF = b"%PDF-1.4\n%test\n"
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def topic(db):
    return AppealTopic.objects.create(
        kind="contract",
        name="Досрочный выкуп",
        extra_fields=[
            {"name": "date", "label": "Желаемая дата выкупа", "type": "date", "required": True},
            {"name": "sum", "label": "Сумма", "type": "money"},
        ],
    )


@pytest.fixture
def appeal(org_a, admin_a, products, topic):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    return services.appeal_create(
        org=org_a,
        user=admin_a,
        data=services.AppealInput(
            kind="contract",
            topic=topic,
            contract=contract,
            description="Хотим выкупить досрочно",
            data={"date": "2026-03-01", "sum": "1500000.00"},
        ),
    )


def staff_post(client, appeal, data):
    appeal.refresh_from_db()
    management = {}
    for prefix, count in (
        ("history", appeal.history.count()),
        ("comments", appeal.comments.count()),
        ("staff_notes", appeal.staff_notes.count()),
    ):
        management[f"{prefix}-TOTAL_FORMS"] = count
        management[f"{prefix}-INITIAL_FORMS"] = count
    return client.post(f"/admin/appeals/appeal/{appeal.pk}/change/", {**management, **data})


# --- 14.15: Russian everywhere, correct grammar ----------------------------------------------------


def test_every_app_and_model_of_the_back_office_is_named_in_russian(staff_client):
    html = staff_client.get("/admin/").content.decode()
    for english in ("Idempotent uploads", "Task Results", "CORE", "Core", "Tasks Database Backend", "Task Result"):
        assert english not in html
    assert "Фоновые задачи" in html and "Служебное" in html
    names = re.findall(r'<a href="/admin/[^"]+/">([^<]+)</a>|<h2 id="section-[a-z]+-title">([^<]+)</h2>', html)
    for name in [a or b for a, b in names]:
        # Names of things (a protocol, a header, a messenger) stay as they are written.
        assert not LATIN_WORD.search(name.replace("API", "").replace("Idempotency-Key", "").replace("Telegram", "")), (
            name
        )


def test_every_registered_model_has_its_grammar():
    missing = [m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in NOUNS]
    assert missing == []


def test_titles_use_the_accusative_and_counts_their_word_form(staff_client, appeal, org_a):
    changelist = staff_client.get("/admin/appeals/appeal/").content.decode()
    assert "Выберите заявку для изменения" in changelist
    assert "Выберите заявка" not in changelist
    assert "1 запись" in changelist
    change = staff_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert "Изменить заявку" in change and "Изменить заявка" not in change
    orgs = staff_client.get("/admin/organizations/organization/").content.decode()
    assert "Добавить организацию" in orgs and "Выберите организацию для изменения" in orgs
    tasks = staff_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "Выберите фоновую задачу для просмотра" in tasks and "Task" not in tasks


@pytest.mark.parametrize(("count", "words"), [(1, "1 запись"), (3, "3 записи"), (5, "5 записей"), (21, "21 запись")])
def test_the_row_count_takes_the_word_form_of_the_number(staff_client, count, words):
    for n in range(count):
        ReplyTemplate.objects.create(title=f"Шаблон {n}", body="Текст")
    html = staff_client.get("/admin/appeals/replytemplate/").content.decode()
    assert re.search(rf"\b{words}\b", html)


def test_success_messages_agree_in_gender(staff_client, appeal):
    response = staff_post(staff_client, appeal, {"comment": "Готовим расчёт"})
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Заявка «{appeal.number}» была изменена."]
    response = staff_client.post(
        "/admin/appeals/replytemplate/add/", {"title": "Запрос ПТС", "body": "Пришлите ПТС", "position": 0}
    )
    assert [str(m) for m in response.wsgi_request._messages][-1] == "Шаблон ответа «Запрос ПТС» добавлен."
    template = ReplyTemplate.objects.get()
    response = staff_client.post(
        "/admin/appeals/replytemplate/", {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"}
    )
    assert [str(m) for m in response.wsgi_request._messages][-1] == "Удалена 1 запись."


def test_topic_fields_status_history_and_company_data_are_readable(staff_client, appeal, staff):
    services.appeal_change_status(appeal_id=appeal.pk, to_status="review", actor=staff)
    html = staff_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert "Желаемая дата выкупа" in html and "01.03.2026" in html
    assert "1\u202f500\u202f000,00" in html
    assert "{&#x27;" not in html and "{'" not in html and "2026-03-01" not in html
    assert (
        "Отправлена → На рассмотрении" in html
        and "→ review" not in html
        and "sent" not in html.split("inline-group")[1][:2000]
    )


def test_registration_company_data_is_a_list_not_a_dict(staff_client, org_a, admin_a):
    registration = Registration.objects.create(
        inn="7801234564",
        company_name="ООО «Ромашка»",
        company_data={"inn": "7801234564", "name": "ООО «Ромашка»", "kpp": "780101001", "active": True},
        full_name="Иванова",
        phone="+79215551234",
        status=Registration.Status.AWAITING_APPROVAL,
    )
    html = staff_client.get(f"/admin/accounts/registration/{registration.pk}/change/").content.decode()
    assert "КПП" in html and "780101001" in html and "{&#x27;inn" not in html and "True" not in html


# --- 14.16: the request page and the work queue -----------------------------------------------------


def test_the_request_page_links_the_clients_attachments(staff_client, appeal, org_a, admin_a, client_a):
    Document.objects.create(
        organization=org_a,
        appeal=appeal,
        direction=Document.Direction.UPLOADED,
        doc_type="Заявление",
        title="Заявление",
        original_name="Заявление.pdf",
        document_date=timezone.localdate(),
        file=SimpleUploadedFile("Заявление.pdf", PDF),
        size=len(PDF),
    )
    document = Document.objects.get(appeal=appeal)
    html = staff_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    url = reverse("admin:documents_document_download", args=[document.pk])
    assert f'href="{url}"' in html and "Заявление.pdf" in html
    response = staff_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    # Only staff download through the back office.
    assert client_a.get(url).status_code == 302


def test_the_work_queue_counts_new_in_progress_waiting_and_overdue(staff_client, staff, org_a, admin_a, settings):
    settings.APPEAL_RESPONSE_HOURS = 24

    def make(status, hours_ago):
        a = services.appeal_create(
            org=org_a, user=admin_a, data=services.AppealInput(kind="new_leasing", description="Нужен самосвал")
        )
        moved = timezone.now() - timedelta(hours=hours_ago)
        Appeal.objects.filter(pk=a.pk).update(status=status, status_changed_at=moved, created_at=moved)
        return a

    make("sent", 1)
    make("sent", 30)  # new and overdue
    make("in_progress", 48)  # in progress and overdue
    make("needs_confirmation", 100)  # waiting for the client: never overdue on our side
    make("done", 200)
    html = staff_client.get("/admin/appeals/appeal/").content.decode()
    counts = {
        label: int(n)
        for n, label in re.findall(r'kb-queue__count">(\d+)</span> <span class="kb-queue__label">([^<]+)<', html)
    }
    assert counts == {"Новые": 2, "В работе": 1, "Ждут клиента": 1, "Просрочено": 2, "Мои": 0}
    overdue = staff_client.get("/admin/appeals/appeal/?queue=overdue").content.decode()
    assert "2 записи" in overdue
    settings.APPEAL_RESPONSE_HOURS = 72
    html = staff_client.get("/admin/appeals/appeal/").content.decode()
    assert re.search(r'kb-queue__count">0</span> <span class="kb-queue__label">Просрочено', html)


def test_the_queue_counters_cost_a_constant_number_of_queries(
    staff_client, org_a, admin_a, django_assert_max_num_queries
):
    for _ in range(3):
        services.appeal_create(org=org_a, user=admin_a, data=services.AppealInput(kind="new_leasing", description="x"))
    with django_assert_max_num_queries(20) as few:
        staff_client.get("/admin/appeals/appeal/")
    for _ in range(15):
        services.appeal_create(org=org_a, user=admin_a, data=services.AppealInput(kind="new_leasing", description="x"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get("/admin/appeals/appeal/")


def test_staff_assign_a_request_and_find_it_in_their_queue(staff_client, staff, appeal, client_a):
    colleague = UserFactory(full_name="Коллегов Кирилл", is_staff=True)
    staff_post(staff_client, appeal, {"assignee": colleague.pk})
    appeal.refresh_from_db()
    assert appeal.assignee == colleague
    staff_client.post("/admin/appeals/appeal/", {"action": "assign_to_me", "_selected_action": [appeal.pk]})
    appeal.refresh_from_db()
    assert appeal.assignee == staff
    mine = staff_client.get("/admin/appeals/appeal/?queue=mine").content.decode()
    assert appeal.number in mine
    # A client cannot be made the assignee.
    response = staff_post(staff_client, appeal, {"assignee": appeal.created_by_id})
    assert response.status_code == 200 and "assignee" in response.context["adminform"].form.errors
    # The client's history of their organization shows nothing of it.
    assert "Коллегов" not in client_a.get("/settings/history/").content.decode()


def test_internal_notes_never_reach_the_client(staff_client, staff, appeal, client_a, admin_a, mailoutbox):
    secret = "Клиент проблемный, проверить залог"
    staff_post(staff_client, appeal, {"internal_note": secret})
    assert StaffNote.objects.get(appeal=appeal).body == secret
    staff_page = staff_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert secret in staff_page
    for path in (f"/requests/{appeal.pk}/", "/requests/", "/notifications/", "/dashboard/", "/settings/history/"):
        response = client_a.get(path)
        assert secret not in response.content.decode(), path
    assert not Notification.objects.filter(body__contains=secret).exists()
    assert not ApiEvent.objects.filter(payload__icontains="проблемный").exists()
    assert not AuditEvent.objects.filter(organization=appeal.organization, after__icontains="проблемный").exists()
    assert all(secret not in m.body for m in mailoutbox)


def test_a_reply_template_becomes_the_message_to_the_client(staff_client, appeal, client_a):
    template = ReplyTemplate.objects.create(title="Запрос ПТС", body="Пришлите, пожалуйста, копию ПТС.")
    page = staff_client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert 'data-body="Пришлите, пожалуйста, копию ПТС."' in page and "admin-appeal.js" in page
    staff_post(staff_client, appeal, {"reply_template": template.pk, "new_status": "review"})
    assert "Пришлите, пожалуйста, копию ПТС." in client_a.get(f"/requests/{appeal.pk}/").content.decode()
    # A typed message wins over the template.
    staff_post(staff_client, appeal, {"reply_template": template.pk, "comment": "Свой текст"})
    assert appeal.comments.filter(body="Свой текст").exists()


def register(inn: str, company: str, phone: str, capture) -> Registration:
    """Walk the real sign-up (form and SMS code) so the registration is what staff meet."""
    client = Client()
    with capture(execute=True):
        client.post(
            reverse("accounts:register"),
            {**FORM, "company": f"{company}, ИНН {inn}", "inn": inn, "phone": phone},
        )
    digits = "".join(ch for ch in [m for m in sms.outbox if m["phone"] == phone][-1]["text"] if ch.isdigit())
    with capture(execute=True):
        client.post(reverse("accounts:register_confirm"), {"code": digits})
    return Registration.objects.get(phone=phone)


def test_approve_and_reject_on_the_registration_page_itself(
    staff_client, registry, consent_docs, django_capture_on_commit_callbacks
):
    first = register("7801234564", "ООО «Ромашка»", "+79215551234", django_capture_on_commit_callbacks)
    second = register("7707083893", "ПАО «Сбербанк»", "+79215551235", django_capture_on_commit_callbacks)
    assert first.status == second.status == Registration.Status.AWAITING_APPROVAL
    page = staff_client.get(f"/admin/accounts/registration/{first.pk}/change/").content.decode()
    approve = reverse("admin:accounts_registration_approve", args=[first.pk])
    assert f'action="{approve}"' in page and "Одобрить" in page and "Отклонить…" in page
    assert staff_client.get(approve).status_code == 302  # a GET decides nothing
    assert Registration.objects.get(pk=first.pk).status == Registration.Status.AWAITING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(approve)
    assert response["Location"] == reverse("admin:accounts_registration_change", args=[first.pk])
    assert Registration.objects.get(pk=first.pk).status == Registration.Status.APPROVED
    assert f'action="{approve}"' not in staff_client.get(response["Location"]).content.decode()
    reject = reverse("admin:accounts_registration_reject", args=[second.pk])
    assert "Причина" in staff_client.get(reject).content.decode()
    assert "обязательное" in staff_client.post(reject, {"reason": ""}).content.decode().lower()
    assert Registration.objects.get(pk=second.pk).status == Registration.Status.AWAITING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reject, {"reason": "Не подтвердились полномочия"})
    second.refresh_from_db()
    assert second.status == Registration.Status.REJECTED and second.rejection_reason == "Не подтвердились полномочия"


# --- 14.17: staff sign-in under the same session rules ----------------------------------------------


def test_staff_sign_in_goes_through_the_portal_sign_in_with_its_session_rules(client, staff, settings):
    staff.set_password("Staff-Password-2026")
    staff.save()
    response = client.get("/admin/login/?next=/admin/appeals/appeal/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2Fappeals%2Fappeal%2F"
    # Django's admin sign-in form (a silent 30-day session) is not reachable.
    client.post("/admin/login/", {"username": str(staff.phone), "password": "Staff-Password-2026"})
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/login/?next=/admin/", {"username": str(staff.phone), "password": "Staff-Password-2026", "next": "/admin/"}
    )
    # Staff always confirm a second factor: here a code from an SMS.
    assert response["Location"] == reverse("accounts:second_factor")
    client.post(reverse("accounts:second_factor"), {"action": "send"})
    challenge = PhoneChallenge.objects.get(user=staff, purpose=PhoneChallenge.Purpose.SIGN_IN)
    response = client.post(
        reverse("accounts:second_factor"), {"action": "code", "code": account_services.challenge_code(challenge)}
    )
    assert response["Location"] == "/admin/"
    assert client.session.get_expire_at_browser_close()
    assert client.session[DEADLINE_KEY] <= time.time() + settings.BROWSER_SESSION_MAX_AGE
    assert client.get("/admin/").status_code == 200
    # After the deadline the back office asks to sign in again, as the portal does.
    session = client.session
    session[DEADLINE_KEY] = time.time() - 1
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_open_redirect_through_the_admin_sign_in_is_refused(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_a_client_at_the_back_office_is_told_and_not_looped(client_a):
    response = client_a.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "нет доступа к бэк-офису" in response.content.decode()


# 14.8 in the back office: dates dd.mm.yyyy in lists, read-only fields and forms, and read back so


def test_back_office_dates_are_written_dd_mm_yyyy_in_lists_and_forms(staff_client, org_a, products, appeal):
    from datetime import date

    from kabinet.contracts.models import Contract

    contract = ContractFactory(
        organization=org_a, product=products["auto"], number="AL-26-DATES", start_date=date(2026, 1, 5)
    )
    listing = staff_client.get(reverse("admin:contracts_contract_changelist")).content.decode()
    assert "05.01.2026" in listing
    assert "2026-01-05" not in listing and "января 2026" not in listing
    change = staff_client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).content.decode()
    assert 'value="05.01.2026"' in change and 'value="2026-01-05"' not in change
    created = timezone.localtime(appeal.created_at)
    appeals = staff_client.get(reverse("admin:appeals_appeal_changelist")).content.decode()
    assert f"{created:%d.%m.%Y}" in appeals and "г." not in appeals
    # A date typed as dd.mm.yyyy is read back as that date.
    from django import forms

    assert forms.DateField().clean("28.11.2026") == date(2026, 11, 28)
    assert Contract.objects.get(pk=contract.pk).start_date == date(2026, 1, 5)


def test_back_office_lists_write_phones_and_money_the_portal_way(staff_client, admin_a, org_a, products):
    from kabinet.accounts.services import challenge_issue
    from kabinet.core.phones import format_phone

    challenge_issue(phone=str(admin_a.phone), purpose="registration")
    shown = format_phone(str(admin_a.phone))
    assert shown.startswith("+7 (")
    for name in ("admin:accounts_user_changelist", "admin:accounts_phonechallenge_changelist"):
        html = staff_client.get(reverse(name)).content.decode()
        assert shown in html and f">{admin_a.phone}<" not in html, name
    # The phone column still sorts and the first column still opens the record.
    html = staff_client.get(reverse("admin:accounts_phonechallenge_changelist") + "?o=1").content.decode()
    assert "/change/" in html
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-MONEY", amount="3600000.00")
    html = staff_client.get(reverse("admin:contracts_contract_changelist")).content.decode()
    assert "3\u202f600\u202f000,00\u00a0₽" in html and "3600000,00" not in html
