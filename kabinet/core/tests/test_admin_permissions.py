"""The back office's rights hold for everything it offers, found by walking the admin site (never
listed by hand): every action declares the permission it needs, a view-only staff user can run none
of them and change nothing through any admin URL, and no admin GET writes — the API token's page
included, which once made and showed the webhook secret."""

from __future__ import annotations

import logging

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from kabinet.accounts.models import Registration, SmsMessage
from kabinet.api.models import ApiToken
from kabinet.appeals.models import Appeal, AppealKind
from kabinet.audit.models import AuditEvent
from kabinet.core.tests.test_backoffice import register
from kabinet.organizations.models import Organization
from kabinet.testing.factories import ContractFactory, OrganizationFactory, UserFactory
from kabinet.testing.routes import SESSION_BOOKKEEPING, changed_tables, table_digest, url_patterns

# Rows that the act of signing in and browsing keeps by design, not domain data.
BOOKKEEPING = (*SESSION_BOOKKEEPING, AuditEvent)


@pytest.fixture
def world(org_a, admin_a, products, registry, consent_docs, django_capture_on_commit_callbacks):
    """At least one row for every action to act upon, in the state the action would change."""
    registration = register("7801234564", "ООО «Ромашка»", "+79215551234", django_capture_on_commit_callbacks)
    assert registration.status == Registration.Status.AWAITING_APPROVAL
    OrganizationFactory(name="ООО «Ждёт»", status=Organization.Status.PENDING)
    contract = ContractFactory(organization=org_a, product=products["auto"])
    Appeal.objects.create(
        organization=org_a, number="Z-1", kind=AppealKind.CONTRACT, contract=contract, description="Вопрос"
    )
    SmsMessage.objects.create(phone="+79215550000", body="Текст", status=SmsMessage.Status.FAILED)
    token, _key = ApiToken.issue(name="1С", creditor=products["auto"].creditor, can_read=True)
    ApiToken.objects.filter(pk=token.pk).update(webhook_url="https://hooks.example.com/kabinet")
    return token


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Each refusal logs a warning with its traceback, which the console renderer formats at length:
    a hundred of them would make this test slow, and they say nothing the assertions do not."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def viewer(db):
    """Staff with every «view» right and nothing else."""
    user = UserFactory(full_name="Смотрящий Виктор", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(user)
    return user, client


def _model_admins():
    return list(admin.site._registry.items())


def test_every_action_of_every_model_admin_declares_a_permission():
    missing = []
    for model, model_admin in _model_admins():
        for func, name, _desc in model_admin._get_base_actions():
            if not getattr(func, "allowed_permissions", None):
                missing.append(f"{model._meta.label}.{name}")
    assert not missing, missing


def test_a_view_only_staff_user_is_offered_no_action_and_runs_none(world, viewer, staff):
    user, client = viewer
    request = RequestFactory().post("/admin/")
    request.user = user
    superuser_request = RequestFactory().post("/admin/")
    superuser_request.user = staff
    tried = 0
    before = table_digest(exclude=BOOKKEEPING)
    for model, model_admin in _model_admins():
        offered = model_admin.get_actions(request)
        assert not offered, (model._meta.label, list(offered))
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        pks = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)[:20]]
        for name in model_admin.get_actions(superuser_request):
            response = client.post(
                changelist, {"action": name, ACTION_CHECKBOX_NAME: pks, "index": 0, "reason": "Просто так"}
            )
            assert response.status_code in (200, 302, 403), (model._meta.label, name, response.status_code)
            tried += 1
    assert changed_tables(before, table_digest(exclude=BOOKKEEPING)) == []
    # The actions the probe ran as a view-only user: approve, reject, activate, revoke, assign, retry SMS.
    assert tried >= 7


def _fill(route, pks: dict[str, str]) -> str | None:
    """The admin URL with the id of a row of its model (`admin:<app>_<model>_<view>`), or None."""
    if not route.params:
        return route.fill({})
    prefixes = [p for p in pks if route.name.startswith(p)]
    if not prefixes:
        return None
    pk = pks[max(prefixes, key=len)]
    return route.fill({name: pk for name, _conv in route.params})


def _first_pks() -> dict[str, str]:
    pks = {}
    for model in admin.site._registry:
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            pks[f"admin:{model._meta.app_label}_{model._meta.model_name}_"] = str(pk)
    return pks


def test_no_admin_url_lets_a_view_only_user_write_and_no_admin_get_writes(world, viewer):
    _user, client = viewer
    pks = _first_pks()
    urls = []
    for route in url_patterns():
        if not route.route.startswith("admin/") or "logout" in route.name:
            continue
        url = _fill(route, pks)
        if url is not None:
            urls.append((route.name, url))
    # One digest around all the GETs, one around all the POSTs: the walk stays fast, and a failure
    # names the tables that changed.
    before = table_digest(exclude=BOOKKEEPING)
    for _name, url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
    assert changed_tables(before, table_digest(exclude=BOOKKEEPING)) == [], "an admin GET wrote"
    posted = 0
    for name, url in urls:
        if name.endswith(("_change", "_delete", "_add", "_approve", "_reject", "_secret", "_publish")) or (
            name.endswith(("broadcast", "_import", "_process"))
        ):
            response = client.post(url, {"reason": "Просто так", "status": "active", "title": "Всем", "body": "Текст"})
            assert response.status_code in (302, 403, 404, 405) or b"errornote" in response.content, (
                url,
                response.status_code,
            )
            posted += 1
    assert changed_tables(before, table_digest(exclude=BOOKKEEPING)) == [], "a view-only user wrote"
    assert len(urls) >= 60 and posted >= 20, (len(urls), posted)


def test_the_webhook_secret_is_shown_once_and_rotated_by_a_post(world, staff, viewer):
    token = world
    staff_client = Client()
    staff_client.force_login(staff)
    page = reverse("admin:api_apitoken_change", args=[token.pk])
    for client in (viewer[1], staff_client):
        client.get(page)
    assert ApiToken.objects.get(pk=token.pk).webhook_secret == ""  # a GET makes nothing
    rotate = reverse("admin:api_apitoken_rotate_webhook_secret", args=[token.pk])
    assert staff_client.get(rotate).status_code == 405
    assert viewer[1].post(rotate).status_code == 403
    assert ApiToken.objects.get(pk=token.pk).webhook_secret == ""
    response = staff_client.post(rotate, follow=True)
    secret = ApiToken.objects.get(pk=token.pk).webhook_secret
    assert len(secret) == 64 and secret in response.content.decode()  # shown once, in the message
    for client in (viewer[1], staff_client):
        assert secret not in client.get(page).content.decode()
    staff_client.post(rotate)
    assert ApiToken.objects.get(pk=token.pk).webhook_secret not in ("", secret)


def test_a_new_token_with_a_webhook_shows_its_secret_with_the_key(staff, creditor, monkeypatch):
    monkeypatch.setattr("kabinet.api.admin.resolve_public", lambda host, port: None)
    client = Client()
    client.force_login(staff)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {
            "name": "ERP",
            "kind": "creditor",
            "creditor": creditor.pk,
            "can_read": "on",
            "webhook_url": "https://hooks.example.com/x",
        },
        follow=True,
    )
    token = ApiToken.objects.get(name="ERP")
    assert len(token.webhook_secret) == 64
    assert token.webhook_secret in response.content.decode()
