import pytest
from django.urls import reverse

from kabinet.organizations.middleware import SESSION_KEY
from kabinet.organizations.models import Membership, Organization
from kabinet.testing.factories import ContractFactory, MembershipFactory, OrganizationFactory


@pytest.fixture
def two_org_user(admin_a, org_b):
    MembershipFactory(user=admin_a, organization=org_b, role=Membership.Role.MANAGER)
    return admin_a


def test_the_header_lists_the_users_organizations_with_inn(client, two_org_user, org_a, org_b, creditor):
    client.force_login(two_org_user)
    html = client.get("/dashboard/").content.decode()
    assert org_a.name in html and org_b.name in html
    assert "ИНН" in html
    assert creditor.short_name in html


def test_switching_scopes_every_page_to_the_chosen_organization(client, two_org_user, org_a, org_b, products):
    ContractFactory(organization=org_a, product=products["auto"], number="ALPHA-1")
    ContractFactory(organization=org_b, product=products["auto"], number="BETA-1")
    client.force_login(two_org_user)
    first = client.get("/contracts/").content.decode()
    assert "ALPHA-1" in first and "BETA-1" not in first

    response = client.post(reverse("organizations:switch"), {"organization": org_b.pk, "next": "/contracts/"})
    assert response.status_code == 302
    assert response["Location"] == "/contracts/"
    second = client.get("/contracts/").content.decode()
    assert "BETA-1" in second and "ALPHA-1" not in second


def test_one_cannot_switch_to_an_organization_without_membership(client_a, org_b):
    response = client_a.post(reverse("organizations:switch"), {"organization": org_b.pk})
    assert response.status_code == 404
    assert client_a.session.get(SESSION_KEY) is None


def test_switch_refuses_a_foreign_redirect(client, two_org_user, org_b):
    client.force_login(two_org_user)
    response = client.post(reverse("organizations:switch"), {"organization": org_b.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/dashboard/"


def test_the_choice_is_rechecked_on_every_request(client, two_org_user, org_a, org_b, products):
    ContractFactory(organization=org_b, product=products["auto"], number="BETA-1")
    client.force_login(two_org_user)
    client.post(reverse("organizations:switch"), {"organization": org_b.pk})
    assert "BETA-1" in client.get("/contracts/").content.decode()

    # Access to B is withdrawn while the session still names it: A is shown, never B.
    Membership.objects.filter(user=two_org_user, organization=org_b).update(status=Membership.Status.INACTIVE)
    html = client.get("/contracts/").content.decode()
    assert "BETA-1" not in html
    assert org_a.name in html


def test_a_pending_organization_shows_no_data(client, products):
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    membership = MembershipFactory(organization=pending)
    ContractFactory(organization=pending, product=products["auto"], number="PENDING-1")
    client.force_login(membership.user)
    response = client.get("/contracts/")
    assert response.status_code == 403
    assert "PENDING-1" not in response.content.decode()
    assert "Нет доступных организаций" in response.content.decode()


def test_a_requested_membership_gives_no_access(client, org_a, products):
    membership = MembershipFactory(organization=org_a, status=Membership.Status.REQUESTED)
    ContractFactory(organization=org_a, product=products["auto"], number="ALPHA-9")
    client.force_login(membership.user)
    assert "ALPHA-9" not in client.get("/contracts/").content.decode()


def test_with_several_creditors_each_section_shows_its_own_contracts(client_a, org_a, products):
    from kabinet.testing.factories import CreditorFactory, ProductFactory

    other = CreditorFactory(short_name="ФАКТОР+", is_default=False)
    ContractFactory(organization=org_a, product=products["auto"], number="BALT-1")
    ContractFactory(organization=org_a, product=ProductFactory(creditor=other, name="Факторинг"), number="FACT-1")
    html = client_a.get("/contracts/").content.decode()
    assert "BALT-1" in html and "FACT-1" not in html
    assert "ФАКТОР+" in html

    assert client_a.post(reverse("creditors:switch", args=[other.pk])).status_code == 302
    html = client_a.get("/contracts/").content.decode()
    assert "FACT-1" in html and "BALT-1" not in html
    assert client_a.post(reverse("creditors:switch", args=[999999])).status_code == 404
