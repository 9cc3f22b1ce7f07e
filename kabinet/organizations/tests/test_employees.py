"""Employees and access (§8.2), change history, organization card; roles enforced on the server."""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.audit.models import AuditEvent
from kabinet.core.access import SUDO_KEY
from kabinet.organizations.models import Membership, Organization
from kabinet.organizations.services import employees
from kabinet.testing.factories import PASSWORD, MembershipFactory, UserFactory


def sudo(client):
    session = client.session
    session[SUDO_KEY] = time.time() + 600
    session.save()


@pytest.fixture
def admin_client(client_a):
    sudo(client_a)
    return client_a


def manager_client(manager_a):
    client = Client()
    client.force_login(manager_a)
    sudo(client)
    return client


def test_the_page_shows_the_card_the_employees_and_this_is_you(client_a, admin_a, manager_a, org_a):
    html = client_a.get("/settings/").content.decode()
    for text in (
        "ИНН",
        "КПП",
        "ОГРН",
        "Основной ОКВЭД",
        "Генеральный директор",
        "Юридический адрес",
        "АКТИВЕН",
        "Это Вы",
        admin_a.full_name,
        manager_a.full_name,
        "Добавить сотрудника",
        "История изменений",
    ):
        assert text in html, text
    assert (
        "Администратор – Наделён полным доступом" in html
        or "Администратор — наделён" in html.lower()
        or "Администратор" in html
    )


@pytest.mark.parametrize("action", ["add", "update", "remove"])
def test_a_manager_gets_403_on_every_employee_action(manager_a, admin_a, org_a, action):
    client = manager_client(manager_a)
    target = Membership.objects.get(user=admin_a, organization=org_a)
    url = {
        "add": "/settings/employees/add/",
        "update": f"/settings/employees/{target.pk}/",
        "remove": f"/settings/employees/{target.pk}/remove/",
    }[action]
    assert (
        client.post(url, {"role": "manager", "phone": "+79211112233", "full_name": "x", "email": "x@x.ru"}).status_code
        == 403
    )
    assert Membership.objects.get(pk=target.pk).role == "admin"
    assert "Добавить сотрудника" not in client.get("/settings/").content.decode()


def test_an_outsider_and_another_organization_get_404(admin_client, org_b, user_b, org_a):
    foreign = Membership.objects.get(user=user_b, organization=org_b)
    assert admin_client.post(f"/settings/employees/{foreign.pk}/", {"role": "manager"}).status_code == 404
    assert admin_client.post(f"/settings/employees/{foreign.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=foreign.pk, role="admin").exists()


def test_nobody_changes_their_own_role_and_the_last_admin_stays(admin_client, admin_a, manager_a, org_a):
    own = Membership.objects.get(user=admin_a, organization=org_a)
    response = admin_client.post(f"/settings/employees/{own.pk}/", {"role": "manager"}, follow=True)
    assert "Нельзя изменить собственную роль" in response.content.decode()
    assert admin_client.post(f"/settings/employees/{own.pk}/remove/", follow=True).status_code == 200
    assert Membership.objects.filter(pk=own.pk, role="admin", status="active").exists()
    # Another admin may not demote the last other admin either.
    other_admin = MembershipFactory(organization=org_a, role="admin")
    Membership.objects.filter(pk=own.pk).update(status="inactive")
    second = Client()
    second.force_login(other_admin.user)
    sudo(second)
    Membership.objects.filter(pk=own.pk).update(status="active")
    second.post(f"/settings/employees/{own.pk}/", {"role": "manager"})
    assert Membership.objects.get(pk=own.pk).role == "manager"  # two admins: allowed
    response = admin_client.post(f"/settings/employees/{other_admin.pk}/", {"status": "inactive"}, follow=True)
    assert response.status_code == 403  # admin_a is a manager now


def test_the_last_active_admin_cannot_be_removed_deactivated_or_demoted(org_a, admin_a):
    from kabinet.organizations.services import employees

    other = MembershipFactory(organization=org_a, role="admin")
    Membership.objects.filter(pk=other.pk).update(status="inactive")
    own = Membership.objects.get(user=admin_a, organization=org_a)
    helper = MembershipFactory(organization=org_a, role="manager")
    for call in (
        lambda: employees.employee_change_role(org=org_a, actor=helper.user, membership_id=own.pk, role="manager"),
        lambda: employees.employee_set_status(org=org_a, actor=helper.user, membership_id=own.pk, status="inactive"),
        lambda: employees.employee_remove(org=org_a, actor=helper.user, membership_id=own.pk),
    ):
        with pytest.raises(employees.EmployeeError):
            call()
    assert Membership.objects.filter(pk=own.pk, role="admin", status="active").exists()


def test_removal_ends_access_to_the_organization_at_once(admin_client, manager_a, org_a):
    manager = Client()
    manager.force_login(manager_a)
    assert manager.get("/contracts/").status_code == 200
    target = Membership.objects.get(user=manager_a, organization=org_a)
    admin_client.post(f"/settings/employees/{target.pk}/remove/")
    assert manager.get("/contracts/").status_code == 403


def test_employee_changes_ask_for_the_password_again_every_15_minutes(client_a, manager_a, org_a, admin_a):
    """Without a fresh password the action is not done; the password page carries it and does it after."""
    target = Membership.objects.get(user=manager_a, organization=org_a)
    response = client_a.post(f"/settings/employees/{target.pk}/", {"role": "admin"})
    assert response.status_code == 403
    html = response.content.decode()
    assert f'action="/settings/employees/{target.pk}/"' in html and 'name="role" value="admin"' in html
    assert Membership.objects.get(pk=target.pk).role == "manager"
    wrong = client_a.post(f"/settings/employees/{target.pk}/", {"role": "admin", "sudo_password": "nope"})
    assert "Неверный пароль" in wrong.content.decode()
    assert Membership.objects.get(pk=target.pk).role == "manager"
    client_a.post(f"/settings/employees/{target.pk}/", {"role": "admin", "sudo_password": PASSWORD})
    assert Membership.objects.get(pk=target.pk).role == "admin"
    # Fresh for 15 minutes: the next change needs no password.
    client_a.post(f"/settings/employees/{target.pk}/", {"role": "manager"})
    assert Membership.objects.get(pk=target.pk).role == "manager"


def test_the_history_shows_who_changed_what_and_filters(admin_client, manager_a, org_a, admin_a):
    target = Membership.objects.get(user=manager_a, organization=org_a)
    admin_client.post(f"/settings/employees/{target.pk}/", {"role": "admin"})
    html = admin_client.get("/settings/history/").content.decode()
    table = html.split("<tbody>")[1]
    assert "Изменена роль сотрудника" in table and admin_a.full_name in table
    assert "employee_role_changed" not in table and "manager" not in table and "{" not in table
    # Field by field, with the field's Russian name and the values' labels.
    assert re.search(r"Роль:</span>\s*<del[^>]*>Менеджер</del>.*?<ins[^>]*>Администратор</ins>", table, re.S)
    filtered = admin_client.get("/settings/history/", {"action": "employee_invited"})
    assert "Изменена роль сотрудника" not in filtered.content.decode().split("<tbody>")[1]


def test_an_invitation_in_the_history_shows_the_phone_formatted(admin_client, org_a, admin_a):
    employees.employee_add(
        org=org_a,
        actor=admin_a,
        phone="+79001234567",
        full_name="Петрова Анна",
        email="",
        role="manager",
    )
    table = admin_client.get("/settings/history/").content.decode().split("<tbody>")[1]
    assert "+7 (900) 123-45-67 → " in table and "+79001234567" not in table


def test_the_lessors_staff_are_named_by_the_creditor_without_their_address(admin_client, org_a, creditor, staff):
    staff.full_name = "Штатов Степан"
    staff.save()
    AuditEvent.objects.create(
        organization=org_a,
        actor=staff,
        actor_kind=AuditEvent.ActorKind.STAFF,
        action="appeal_status_changed",
        object_repr="UC-0004601",
        before={"status": "sent"},
        after={"status": "in_progress"},
        ip="10.1.2.3",
    )
    table = admin_client.get("/settings/history/").content.decode().split("<tbody>")[1]
    assert f"Сотрудник {creditor.short_name}" in table
    assert staff.full_name not in table and "10.1.2.3" not in table
    assert "Изменён статус заявки" in table


def test_requested_membership_is_accepted_by_the_administrator(admin_client, org_a):
    waiting = MembershipFactory(organization=org_a, status="requested")
    assert "ЗАПРОС НА ДОБАВЛЕНИЕ" in admin_client.get("/settings/").content.decode()
    # Not by the status select: only «Принять» decides a request to join.
    admin_client.post(f"/settings/employees/{waiting.pk}/", {"status": "active", "role": "manager"})
    assert Membership.objects.get(pk=waiting.pk).status == "requested"
    admin_client.post(f"/settings/employees/{waiting.pk}/join/", {"decision": "approve"})
    assert Membership.objects.get(pk=waiting.pk).status == "active"


def test_the_card_refreshes_from_the_registry(client_a, org_a):
    from kabinet.organizations.services.registry import registry_import_csv

    registry_import_csv(text=f"inn;name;director;legal_address\n{org_a.inn};ООО «Альфа Плюс»;Новый Директор;Москва\n")
    client_a.post("/settings/refresh/")
    org = Organization.objects.get(pk=org_a.pk)
    assert org.name == "ООО «Альфа Плюс»" and org.director == "Новый Директор"
    assert AuditEvent.objects.filter(action="organization_refreshed").exists()


@pytest.mark.parametrize("url", ["/settings/", "/settings/history/"])
def test_query_counts_do_not_grow(admin_client, org_a, url):
    def count():
        admin_client.get(url)  # the header's cache is warm, as on every request but the first
        with CaptureQueriesContext(connection) as ctx:
            admin_client.get(url)
        return len(ctx.captured_queries)

    AuditEvent.objects.create(organization=org_a, action="employee_added", object_repr="first")
    before = count()
    for n in range(12):
        member = MembershipFactory(organization=org_a, user=UserFactory(full_name=f"Сотрудник {n}"))
        AuditEvent.objects.create(
            organization=org_a, actor=member.user, action="employee_added", object_repr=str(member)
        )
    assert count() == before


@pytest.mark.django_db
def test_a_role_or_status_the_portal_does_not_know_is_refused_and_nothing_is_written(org_a, admin_a):
    other = MembershipFactory(organization=org_a, role="manager")
    before = AuditEvent.objects.count()
    for call, field in (
        (
            lambda: employees.employee_change_role(org=org_a, actor=admin_a, membership_id=other.pk, role="accountant"),
            "role",
        ),
        (
            lambda: employees.employee_set_status(org=org_a, actor=admin_a, membership_id=other.pk, status="blocked"),
            "status",
        ),
        (
            lambda: employees.employee_add(
                org=org_a,
                actor=admin_a,
                phone="+79001112233",
                full_name="Иванов",
                email="",
                role="accountant",
            ),
            "role",
        ),
    ):
        with pytest.raises(employees.EmployeeError) as error:
            call()
        assert error.value.field == field
        assert "Выберите корректный вариант" in str(error.value.message)
    other.refresh_from_db()
    assert (other.role, other.status) == ("manager", "active")
    assert AuditEvent.objects.count() == before
