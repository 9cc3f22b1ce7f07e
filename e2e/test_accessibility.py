"""axe-core (installed from npm, injected from node_modules) finds no serious or critical violation, no
two landmarks of one kind and name and no skipped heading level, at 1440 and 375 px: on every client page
(walked from the URL conf on the demo data, the contract card's tabs each opened, a few states such as
empty results and a 404) and on the back office's home, lists, add and change forms of every model staff
work with (all but «Служебное»). `KB_AXE_REPORT=<folder>` writes every finding, of every impact, as JSON."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from e2e.conftest import axe_running
from e2e.test_journeys import confirm_by_sms, sign_in
from kabinet.accounts.models import User
from kabinet.audit.models import AuditEvent
from kabinet.contracts.models import Contract
from kabinet.demo.data import DEMO_PASSWORD
from kabinet.organizations.models import Membership
from kabinet.support import services as support_services
from kabinet.testing.factories import ContractFactory, DebtFactory, LeasedItemFactory, ScheduledPaymentFactory

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    return [
        f"{f['id']} ({f['impact']}): {f['help']} — {f['nodes'][:3]}"
        for f in axe_findings(page)
        if f["impact"] in ("serious", "critical") or f["id"] in ALSO_FAILING
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


# --- Every page, walked from the URL conf and the back office's registry, on the demo data ---------------

# axe marks these two "moderate"; the portal holds them anyway: one landmark of a kind per name (a
# screen reader's landmark list is useless otherwise) and headings that do not skip a level.
ALSO_FAILING = {"landmark-unique", "heading-order"}
REPORT = os.environ.get("KB_AXE_REPORT")  # a folder to write every finding (of every impact) into, as JSON


def axe_findings(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci)")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    with axe_running(page.context):
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


class Audit:
    """The findings of every page visited: the failing ones are reported all together at the end."""

    def __init__(self, name: str):
        self.name = name
        self.pages: dict[str, list[dict]] = {}

    def check(self, page, label: str | None = None) -> None:
        page.wait_for_load_state("load")
        self.pages[label or page.url.removeprefix(page.base_url)] = axe_findings(page)
        self.report()

    def report(self) -> None:
        if REPORT:
            path = Path(REPORT) / (self.name.replace(" ", "-") + ".json")
            path.write_text(json.dumps(self.pages, ensure_ascii=False, indent=1))

    def failing(self) -> list[str]:
        return [
            f"{where}: {f['id']} ({f['impact']}, {len(f['nodes'])}) {f['help']} — {f['nodes'][:3]}"
            for where, findings in self.pages.items()
            for f in findings
            if f["impact"] in ("serious", "critical") or f["id"] in ALSO_FAILING
        ]

    def finish(self, at_least: int) -> None:
        assert len(self.pages) >= at_least, sorted(self.pages)
        assert self.failing() == []


# Client URL patterns the walk does not open as a page, each with its reason.
NOT_A_PAGE = {
    "accounts:logout": "ends the session (a POST)",
    "accounts:legal": "opened below, once per published legal text",
    "accounts:password_reset_confirm": "opened below, with a link made for the demo user",
    "organizations:invitation": "opened below, with a link made for the test",
    "notifications:open": "moves on at once to the notification's own page (walked itself)",
}


def _full_page(response) -> bool:
    """A whole HTML page (not a download, a redirect or an htmx fragment swapped into another page)."""
    return (
        response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and response.content.lstrip()[:15].lower() == b"<!doctype html>"
    )


def _sample_ids(org) -> list[int]:
    """A few primary keys of every model the organization owns (its first and last rows): the demo has
    thousands of ledger rows, and one page per pattern is what the walk needs."""
    from django.apps import apps

    ids: list[int] = []
    for model in apps.get_models():
        if any(f.name == "organization" for f in model._meta.concrete_fields):
            rows = model._default_manager.filter(organization=org).order_by("pk").values_list("pk", flat=True)
            ids += [*rows[:3], *rows.reverse()[:3]]
    return list(dict.fromkeys(ids))


def client_pages(user) -> tuple[list[str], list[str]]:
    """The whole pages of the client side, walked from the URL conf with Django's test client: those
    open to anyone, and those of a signed-in `user` (an administrator of the organization)."""
    from django.test import Client

    from kabinet.core.access import SUDO_KEY
    from kabinet.core.tests.test_isolation_matrix import _client_routes

    anonymous, member = Client(), Client()
    member.force_login(user)
    session = member.session
    session[SUDO_KEY] = time.time() + 3600
    session.save()
    org = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).order_by("pk")[0].organization
    ids = _sample_ids(org)
    public, signed_in = [], []
    for route in _client_routes():
        if route.name in NOT_A_PAGE:
            continue
        if not route.params:
            url = "/" + route.route
            if _full_page(anonymous.get(url)):
                public.append(url)
            elif _full_page(member.get(url)):
                signed_in.append(url)
            continue
        for value in ids:
            url = route.fill({name: value for name, _ in route.params})
            response = member.get(url)
            if response.status_code == 405:
                break  # a POST-only action
            if _full_page(response):
                signed_in.append(url)
                break
    return public, signed_in


def special_public_pages(user) -> list[str]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from kabinet.accounts.models import ConsentDocument
    from kabinet.organizations.models import Invitation
    from kabinet.organizations.services.employees import invitation_token_hash

    org = Membership.objects.filter(user=user).order_by("pk")[0].organization
    token = "an-invitation-for-the-accessibility-walk"
    Invitation.objects.create(
        organization=org,
        phone="+79215550199",
        full_name="Приглашённый Пётр",
        role=Membership.Role.MANAGER,
        invited_by=user,
        token_hash=invitation_token_hash(token),
        expires_at=timezone.now() + timedelta(days=3),
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    kinds = ConsentDocument.objects.values_list("kind", flat=True).distinct()
    return [
        *(f"/legal/{kind}/" for kind in sorted(set(kinds))),
        f"/invitation/{token}/",
        f"/password/reset/{uid}/{default_token_generator.make_token(user)}/",
    ]


# States of the walked pages that draw more: empty results, the request form of each kind, a 404.
MORE_STATES = (
    "/search/?q=AL",
    "/contracts/?q=nothing",
    "/documents/?q=nothing",
    "/requests/new/?kind=contract",
    "/requests/new/?kind=new_leasing",
    "/no-such-page/",
)


def grant_sudo(page) -> None:
    """The password was just confirmed: the walk opens the sensitive settings without the detour."""
    from django.contrib.sessions.backends.db import SessionStore

    from kabinet.core.access import SUDO_KEY

    # The test database is SQLite's shared-cache memory database, whose table locks do not wait: a write
    # made here while the live server still answers the page just opened fails at once ("database table
    # is locked", which Django reports as UpdateError). So the page settles first.
    page.wait_for_load_state("networkidle")
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=key)
    session[SUDO_KEY] = time.time() + 3600
    session.save()


@pytest.fixture
def demo(transactional_db):
    from kabinet.demo.seed import seed_demo

    seed_demo()
    return User.objects.get(phone="+79000000001")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_every_client_page_has_no_serious_finding_and_holds_landmarks_and_headings(request, viewport, demo):
    page = request.getfixturevalue(viewport)
    audit = Audit(f"client {viewport}")
    public, signed_in = client_pages(demo)
    for path in [*public, *special_public_pages(demo)]:
        page.goto(page.base_url + path)
        audit.check(page, path)
    sign_in(page, str(demo.phone), DEMO_PASSWORD)
    grant_sudo(page)
    for path in [*signed_in, *MORE_STATES]:
        page.goto(page.base_url + path)
        audit.check(page, path)
    # The contract card's tabs, each as the keyboard opens it.
    contract = Contract.objects.filter(organization__memberships__user=demo).order_by("pk")[0]
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    for tab in page.get_by_role("tab").all():
        tab.click()
        page.wait_for_load_state("networkidle")
        audit.check(page, f"/contracts/{contract.pk}/ tab «{tab.inner_text().strip()}»")
    audit.finish(at_least=50)


def back_office_pages(staff_user) -> list[str]:
    """The back office staff work in: its home, and the list, add and change forms of every model
    outside «Служебное» (a form the staff may not open, e.g. adding a ledger row by hand, is left out)."""
    from django.contrib import admin
    from django.test import Client

    from kabinet.core.admin_site import SERVICE, section_of

    client = Client()
    client.force_login(staff_user)
    urls = ["/admin/"]
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
        if section_of(model._meta).key == SERVICE:
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        first = model._default_manager.order_by("pk").first()
        candidates = [base, base + "add/"] + ([f"{base}{first.pk}/change/"] if first else [])
        urls += [url for url in candidates if _full_page(client.get(url))]
    return urls


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_every_back_office_page_staff_use_has_no_serious_finding(request, viewport, demo):
    staff_user = User.objects.get(is_staff=True, phone="+79000000009")
    page = request.getfixturevalue(viewport)
    audit = Audit(f"back office {viewport}")
    paths = back_office_pages(staff_user)
    page.goto(page.base_url + "/login/")
    page.get_by_label("Номер телефона").fill(str(staff_user.phone))
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    confirm_by_sms(page, staff_user)
    for path in [*paths, "/admin/appeals/appeal/?queue=overdue"]:
        page.goto(page.base_url + path)
        audit.check(page, path)
    audit.finish(at_least=80)
