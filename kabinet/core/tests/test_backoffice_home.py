"""The back office home by task: staff land there after signing in, its sections carry the counts of
what waits (each a link to the filtered list), and the technical models show to superusers only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts import services as account_services
from kabinet.accounts.models import PhoneChallenge, Registration
from kabinet.appeals import services as appeal_services
from kabinet.appeals.models import Appeal
from kabinet.core.admin_site import SECTIONS, SERVICE
from kabinet.support.models import SupportThread
from kabinet.testing.factories import PASSWORD, UserFactory

TASKS = [
    "Клиенты и регистрации",
    "Договоры и деньги",
    "Документы",
    "Заявки",
    "Поддержка",
    "Рассылки",
    "Интеграции",
]
TECHNICAL = ["Ключи загрузок (Idempotency-Key)", "Счётчики заявок", "Отметки о прочтении", "Фоновые задачи"]


def _sign_in(client, user, **extra):
    response = client.post("/login/", {"username": str(user.phone), "password": PASSWORD, **extra})
    if user.is_staff:  # staff always confirm a second factor: here the code from the SMS
        assert response["Location"] == reverse("accounts:second_factor")
        client.post(reverse("accounts:second_factor"), {"action": "send"})
        challenge = PhoneChallenge.objects.filter(user=user, purpose=PhoneChallenge.Purpose.SIGN_IN).latest("pk")
        response = client.post(
            reverse("accounts:second_factor"),
            {"action": "code", "code": account_services.challenge_code(challenge)},
        )
    return response


def test_staff_land_in_the_back_office_after_signing_in(client, db):
    staff = UserFactory(is_staff=True)
    response = _sign_in(client, staff)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_client_still_lands_on_the_dashboard_and_next_is_kept_for_staff(client, admin_a, db):
    assert _sign_in(client, admin_a)["Location"] == "/dashboard/"
    other = Client()
    staff = UserFactory(is_staff=True)
    assert _sign_in(other, staff, next="/dashboard/")["Location"] == "/dashboard/"


def test_every_registered_model_has_a_section():
    named = {label for section in SECTIONS for label in section.models}
    assert [m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in named] == []


def _headings(html):
    return re.findall(r'<h2 id="section-[a-z]+-title">([^<]+)</h2>', html)


def test_the_home_is_grouped_by_task_and_the_technical_models_are_for_superusers(staff, db):
    superuser = Client()
    superuser.force_login(staff)
    html = superuser.get("/admin/").content.decode()
    assert _headings(html) == [*TASKS, "Служебное"]
    service = html[html.index('id="section-service"') :]
    for name in TECHNICAL:
        assert name in service
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(clerk)
    html = client.get("/admin/").content.decode()
    assert _headings(html) == TASKS
    for name in TECHNICAL:
        assert name not in html
    # Closed by link too, not only hidden from the home.
    assert client.get("/admin/api/idempotentupload/").status_code == 403
    assert client.get("/admin/appeals/appealcounter/").status_code == 403
    assert client.get("/admin/appeals/appeal/").status_code == 200


def test_the_service_section_is_the_only_one_for_superusers_only():
    assert [s.key for s in SECTIONS if s.superusers_only] == [SERVICE]


@pytest.fixture
def waiting(org_a, admin_a, staff, settings):
    settings.APPEAL_RESPONSE_HOURS = 24
    for hours_ago, assignee in ((1, None), (30, None), (48, staff)):
        appeal = appeal_services.appeal_create(
            org=org_a,
            user=admin_a,
            data=appeal_services.AppealInput(kind="new_leasing", description="Нужен самосвал"),
        )
        moved = timezone.now() - timedelta(hours=hours_ago)
        Appeal.objects.filter(pk=appeal.pk).update(
            status="sent", status_changed_at=moved, created_at=moved, assignee=assignee
        )
    Registration.objects.create(
        company_name="ООО Ромашка",
        inn="7707083893",
        full_name="Иванов Иван",
        phone="+79000000055",
        status=Registration.Status.AWAITING_APPROVAL,
    )
    Registration.objects.create(
        company_name="ООО Лютик",
        inn="7707083894",
        full_name="Петров Пётр",
        phone="+79000000056",
        status=Registration.Status.APPROVED,
    )
    for number, status in (("S-1", "open"), ("S-2", "open"), ("S-3", "answered")):
        SupportThread.objects.create(organization=org_a, author=admin_a, number=number, topic="Вопрос", status=status)


def _counts(html):
    return {
        label: (href.replace("&amp;", "&"), int(count))
        for href, label, count in re.findall(
            r'<a class="kb-queue__item[^"]*" href="([^"]+)"><span class="kb-queue__label">([^<]+):</span> '
            r'<span class="kb-queue__count">(\d+)</span>',
            html,
        )
    }


def test_the_home_counts_what_waits_and_links_to_the_filtered_list(staff, waiting):
    client = Client()
    client.force_login(staff)
    counts = _counts(client.get("/admin/").content.decode())
    assert counts == {
        "Регистрации, ожидающие подтверждения": ("/admin/accounts/registration/?status__exact=awaiting", 1),
        "Без исполнителя": ("/admin/appeals/appeal/?queue=unassigned", 2),
        "Просрочено": ("/admin/appeals/appeal/?queue=overdue", 2),
        "Без ответа": ("/admin/support/supportthread/?status__exact=open", 2),
        "На подписи": ("/admin/signatures/signaturerequest/?status__exact=pending", 0),
    }
    # Each link opens the list of exactly those rows.
    for url, count in counts.values():
        page = client.get(url).content.decode()
        assert re.search(rf"\b{count} (запись|записи|записей)\b", page), url
