"""The token scope reads the token's explicit kind (never «no creditor means everything»), the scoping
guard covers the API (only the token scope may start a query of an organization-owned model), and the
migration turns the old `staff_wide` flag into the kind."""

from __future__ import annotations

import sys
import types

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import clear_url_caches

from kabinet.api.models import ApiToken
from kabinet.api.scoping import TokenScope
from kabinet.contracts.models import Contract
from kabinet.core.scope_guard import UnscopedQuery
from kabinet.organizations.models import Organization
from kabinet.testing.factories import ContractFactory

PROBE = """
from django.shortcuts import get_object_or_404
from rest_framework.response import Response

from kabinet.api.scoping import ScopedAPIView
from kabinet.contracts.models import Contract


class Unscoped(ScopedAPIView):
    def get(self, request, pk):
        return Response({"number": Contract.objects.get(pk=pk).number})


class Scoped(ScopedAPIView):
    model = Contract

    def get(self, request, pk):
        return Response({"number": get_object_or_404(self.get_queryset(Contract), pk=pk).number})
"""


@pytest.fixture
def probe_urls(settings):
    names = ["kabinet.api.probe_views", "kabinet.api.tests.probe_urls"]
    views = types.ModuleType(names[0])
    exec(compile(PROBE, f"<{names[0]}>", "exec"), views.__dict__)  # noqa: S102 (test code)
    sys.modules[names[0]] = views
    from django.urls import path

    from config import urls as project_urls

    urls = types.ModuleType(names[1])
    urls.urlpatterns = [  # type: ignore[attr-defined]  # a test URLconf module made here
        path("probe/unscoped/<int:pk>/", views.Unscoped.as_view()),
        path("probe/scoped/<int:pk>/", views.Scoped.as_view()),
        *project_urls.urlpatterns,
    ]
    sys.modules[names[1]] = urls
    settings.ROOT_URLCONF = names[1]
    clear_url_caches()
    yield
    clear_url_caches()
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def own(creditor, products, org_a):
    creditor.clients.add(org_a)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-PROBE")
    _, key = ApiToken.issue(name="1C", creditor=creditor)
    return contract, Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_an_api_view_reading_around_the_token_scope_fails_the_suite(probe_urls, own):
    """Fails on the old code: `kabinet.api.` was exempt from the guard by module name."""
    contract, api = own
    with pytest.raises(UnscopedQuery, match=r"Contract\.objects read without .* at kabinet\.api\.probe_views"):
        api.get(f"/probe/unscoped/{contract.pk}/")
    assert api.get(f"/probe/scoped/{contract.pk}/").json() == {"number": "AL-PROBE"}


def test_a_creditors_token_without_a_creditor_reaches_nothing(own):
    """Fails on the old code: a token that was not staff-wide and had no creditor reached everything."""
    contract, _ = own
    orphan = ApiToken(name="broken", kind=ApiToken.Kind.CREDITOR, creditor=None)
    scope = TokenScope(orphan)
    assert not scope.staff_wide and scope.creditor_id is None
    assert not scope.queryset(Contract).exists() and not scope.queryset(Organization).exists()
    assert not scope.may_create(Organization)
    unknown = TokenScope(ApiToken(name="odd", kind="client", creditor=contract.product.creditor))
    assert not unknown.queryset(Contract).exists()
    staff = TokenScope(ApiToken(name="back office", kind=ApiToken.Kind.STAFF))
    assert list(staff.queryset(Contract)) == [contract]


def test_issue_checks_kind_against_creditor(creditor):
    with pytest.raises(ValueError):
        ApiToken.issue(name="nobody's", kind=ApiToken.Kind.CREDITOR)
    with pytest.raises(ValueError):
        ApiToken.issue(name="both", kind=ApiToken.Kind.STAFF, creditor=creditor)
    assert ApiToken.issue(name="bo", kind=ApiToken.Kind.STAFF)[0].kind == "staff"
    assert ApiToken.issue(name="short", staff_wide=True)[0].kind == "staff"
    assert ApiToken.issue(name="A", creditor=creditor)[0].kind == "creditor"


@pytest.mark.django_db(transaction=True)
def test_the_staff_wide_flag_becomes_the_tokens_kind():
    """Fails on the old code: there is no `kind` (nor migration 0008)."""
    executor = MigrationExecutor(connection)
    old = [("api", "0007_webhook_outbox_lease"), *(n for n in executor.loader.graph.leaf_nodes() if n[0] != "api")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    creditor = apps.get_model("creditors", "Creditor").objects.create(
        name="К",
        short_name="К",
        inn="7812345675",
        bank_name="Б",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
    )
    Token = apps.get_model("api", "ApiToken")
    Token.objects.create(name="bo", prefix="aaaa", key_hash="x", staff_wide=True)
    Token.objects.create(name="cr", prefix="bbbb", key_hash="x", creditor=creditor)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    kinds = dict(ApiToken.objects.values_list("prefix", "kind"))
    assert kinds == {"aaaa": "staff", "bbbb": "creditor"}
