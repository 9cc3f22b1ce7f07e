"""axe-core (installed from npm, injected from node_modules) finds no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.conftest import axe_running
from e2e.test_journeys import sign_in
from kabinet.audit.models import AuditEvent
from kabinet.organizations.models import Membership
from kabinet.support import services as support_services
from kabinet.testing.factories import ContractFactory, DebtFactory, LeasedItemFactory, ScheduledPaymentFactory

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci)")
    # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by the portal's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    with axe_running(page.context):
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def data(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00001")
    LeasedItemFactory(contract=contract)
    for n in range(12):
        ScheduledPaymentFactory(contract=contract, number=n + 1)
    DebtFactory(contract=contract)
    membership = Membership.objects.get(user=admin_a, organization=org_a)
    AuditEvent.objects.create(
        organization=org_a,
        actor=admin_a,
        action="employee_role_changed",
        object_type="organizations.membership",
        object_id=str(membership.pk),
        before={"role": "manager"},
        after={"role": "admin"},
    )
    contract.thread = support_services.thread_create(org=org_a, user=admin_a, topic="Вопрос", body="Текст", files=[])
    return contract


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_pages_have_no_serious_accessibility_violations(request, viewport, admin_a, data):
    page = request.getfixturevalue(viewport)
    for path in ("/login/", "/register/", "/password/reset/"):
        page.goto(page.base_url + path)
        assert serious_violations(page) == [], path
    sign_in(page, str(admin_a.phone))
    for path in (
        "/dashboard/",
        "/contracts/",
        "/contracts/?q=nothing",
        f"/contracts/{data.pk}/",
        f"/contracts/{data.pk}/items/",
        "/profile/",
        "/organizations/",
        "/organizations/add/",
        "/requests/",
        "/requests/new/",
        "/requests/new/?kind=contract",
        "/requests/new/?kind=new_leasing",
        "/reference/",
        "/notifications/",
        "/settings/",
        "/settings/history/",
        "/support/",
        "/support/new/",
        f"/support/{data.thread.pk}/",
        "/no-such-page/",
    ):
        page.goto(page.base_url + path)
        assert serious_violations(page) == [], path


@pytest.fixture
def back_office(transactional_db, staff, data, admin_a, org_a):
    from kabinet.appeals import services as appeal_services

    return appeal_services.appeal_create(
        org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="new_leasing", description="Самосвал")
    )


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_back_office_pages_have_no_serious_accessibility_violations(request, viewport, staff, back_office):
    from e2e.test_backoffice import staff_sign_in

    page = request.getfixturevalue(viewport)
    staff_sign_in(page, staff)
    for path in (
        "/admin/",
        "/admin/appeals/appeal/",
        "/admin/appeals/appeal/?queue=overdue",
        f"/admin/appeals/appeal/{back_office.pk}/change/",
        "/admin/accounts/registration/",
        "/admin/accounts/datarequest/",
        "/admin/django_tasks_database/dbtaskresult/",
    ):
        page.goto(page.base_url + path)
        assert serious_violations(page) == [], path


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_new_client_pages_have_no_serious_accessibility_violations(request, viewport, admin_a, data):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    for path in ("/profile/data/", "/search/?q=AL"):
        page.goto(page.base_url + path)
        assert serious_violations(page) == [], path
    page.goto(page.base_url + "/dashboard/")
    page.get_by_role("combobox", name="Найти договор, документ или заявку").fill("AL-26")
    page.get_by_role("option").first.wait_for()
    assert serious_violations(page) == [], "search popup"
