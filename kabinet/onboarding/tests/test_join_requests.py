"""A request to join a company (kabinet.onboarding): the company's administrators decide first, then —
when the lessor requires it, or when the company has no administrator — the lessor's staff."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.test import Client

from kabinet.accounts.models import Registration
from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.core.access import SUDO_KEY
from kabinet.core.net import Origin
from kabinet.onboarding import services as onboarding_services
from kabinet.organizations.lookup import CompanyInfo
from kabinet.organizations.models import Membership
from kabinet.testing.factories import MembershipFactory, OrganizationFactory


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client_a):
    session = client_a.session
    session[SUDO_KEY] = time.time() + 600
    session.save()
    return client_a


def _ask_to_join(user, org):
    from django.test import RequestFactory

    request = RequestFactory().post("/organizations/add/")
    return onboarding_services.organization_request(
        user=user, company=CompanyInfo(inn=org.inn, name=org.name), origin=Origin.of(request)
    )


def test_a_request_to_join_waits_for_the_companys_administrator_and_the_user_sees_it(
    admin_client, org_a, admin_a, user_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _ask_to_join(user_b, org_a)
    assert registration.status == Registration.Status.AWAITING_ORG_ADMIN
    assert not ApiEvent.objects.filter(kind="registration.awaiting").exists()  # staff are not asked yet
    assert admin_a.email in [m.to[0] for m in mail.outbox]
    membership = Membership.objects.get(user=user_b, organization=org_a)
    assert membership.status == "requested"
    mine = _signed_in(user_b).get("/organizations/").content.decode()
    assert "Ждёт решения администратора организации" in mine
    assert "ЗАПРОС НА ДОБАВЛЕНИЕ" in admin_client.get("/settings/").content.decode()
    admin_client.post(f"/settings/employees/{membership.pk}/join/", {"decision": "approve"})
    assert Membership.objects.get(pk=membership.pk).status == "active"
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.APPROVED
    assert AuditEvent.objects.filter(action="join_request_approved", organization=org_a).exists()


def test_when_the_lessor_requires_it_staff_decide_after_the_administrator(admin_client, org_a, user_b, staff, settings):
    settings.JOIN_STAFF_APPROVAL = True
    registration = _ask_to_join(user_b, org_a)
    membership = Membership.objects.get(user=user_b, organization=org_a)
    admin_client.post(f"/settings/employees/{membership.pk}/join/", {"decision": "approve"})
    assert Membership.objects.get(pk=membership.pk).status == "requested"  # not «Активен» yet
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.AWAITING_APPROVAL
    assert ApiEvent.objects.filter(kind="registration.awaiting", organization=org_a).exists()
    assert "Ожидает подтверждения" in _signed_in(user_b).get("/organizations/").content.decode()
    onboarding_services.registration_approve(registration_id=registration.pk, staff=staff)
    assert Membership.objects.get(pk=membership.pk).status == "active"
    assert AuditEvent.objects.filter(action="join_request_sent_to_staff", organization=org_a).exists()


def test_a_declined_request_to_join_is_closed_and_the_user_is_told(admin_client, org_a, user_b):
    registration = _ask_to_join(user_b, org_a)
    membership = Membership.objects.get(user=user_b, organization=org_a)
    admin_client.post(f"/settings/employees/{membership.pk}/join/", {"decision": "decline"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.REJECTED
    assert "Отклонена" in _signed_in(user_b).get("/organizations/").content.decode()
    assert AuditEvent.objects.filter(action="join_request_declined", organization=org_a).exists()


def test_a_company_without_administrators_is_decided_by_staff_as_before(user_b):
    org = OrganizationFactory(name="ООО «Без админов»")
    assert _ask_to_join(user_b, org).status == Registration.Status.AWAITING_APPROVAL
    assert ApiEvent.objects.filter(kind="registration.awaiting", organization=org).exists()


def test_another_organizations_join_request_is_404(admin_client, org_b):
    foreign = MembershipFactory(organization=org_b, status="requested")
    assert admin_client.post(f"/settings/employees/{foreign.pk}/join/", {"decision": "approve"}).status_code == 404
    assert Membership.objects.get(pk=foreign.pk).status == "requested"


def test_the_companys_administrators_are_told_in_the_portal_with_a_link_to_decide(
    admin_client, org_a, admin_a, manager_a, user_b
):
    from kabinet.notifications.models import Notification

    _ask_to_join(user_b, org_a)
    told = Notification.objects.filter(organization=org_a, kind=Notification.Kind.JOIN_REQUEST)
    assert [n.user for n in told] == [admin_a]  # the administrators decide; a manager is not asked
    notification = told.get()
    assert "Бетов Борис" in notification.title and notification.link == "/settings/#employees"
    page = admin_client.get("/notifications/").content.decode()
    assert "Бетов Борис" in page and "Запрос на добавление в организацию" in page
    opened = admin_client.post(f"/notifications/{notification.pk}/")  # what its page sends as it loads
    assert opened.status_code == 302 and opened["Location"] == "/settings/#employees"
    assert 'id="employees"' in admin_client.get("/settings/").content.decode()
    assert "Бетов Борис" not in _signed_in(manager_a).get("/notifications/").content.decode()


def test_administrators_are_told_when_staff_pass_a_request_on_to_them(org_a, admin_a, user_b, staff):
    """A company without administrators at the time of the request: staff approve it first, and the
    administrators it has by then are asked next (and told)."""
    from kabinet.notifications.models import Notification

    other = OrganizationFactory(name="ООО «Гамма»")
    registration = _ask_to_join(user_b, other)
    assert registration.status == Registration.Status.AWAITING_APPROVAL
    MembershipFactory(user=admin_a, organization=other, role="admin")
    onboarding_services.registration_approve(registration_id=registration.pk, staff=staff)
    assert Membership.objects.get(user=user_b, organization=other).status == "requested"
    assert Notification.objects.filter(organization=other, user=admin_a, kind="join_request").count() == 1


def test_an_administrator_who_turned_the_type_off_gets_no_join_request_email(
    org_a, admin_a, user_b, django_capture_on_commit_callbacks
):
    from kabinet.notifications.models import Notification
    from kabinet.notifications.services import email_kinds_set

    email_kinds_set(user=admin_a, kinds=[Notification.Kind.SUPPORT_REPLY])
    with django_capture_on_commit_callbacks(execute=True):
        _ask_to_join(user_b, org_a)
    assert admin_a.email not in [m.to[0] for m in mail.outbox]
    assert Notification.objects.filter(user=admin_a, kind="join_request").exists()  # still in the portal
