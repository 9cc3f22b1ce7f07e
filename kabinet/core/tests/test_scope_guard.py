"""The scoping guard: a client view that reads an organization-owned model without
`for_org()` fails the suite — proved here with deliberately bad views, mounted at test URLs and
compiled as modules of the project (`kabinet.<app>.views`-like names), where the guard looks."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest
from django.urls import clear_url_caches

from kabinet.contracts.models import Contract
from kabinet.core.scope_guard import UnscopedQuery
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

VIEWS = """
from django.http import HttpResponse

from kabinet.contracts.models import Contract
from kabinet.core.access import get_object_for_org, org_required


@org_required
def bad_get(request, pk):
    return HttpResponse(Contract.objects.get(pk=pk).number)


@org_required
def bad_filter(request, pk):
    contract = Contract.objects.filter(pk=pk).select_related("product").first()
    return HttpResponse(contract.number)


@org_required
def bad_count(request, pk):
    return HttpResponse(str(Contract.objects.count()))


@org_required
def good_accessor(request, pk):
    contract = get_object_for_org(Contract.objects.select_related("product"), request.org, pk=pk)
    return HttpResponse(contract.number + ":" + str(len(contract.payments.all())))


@org_required
def good_for_org(request, pk):
    return HttpResponse(Contract.objects.select_related("product").for_org(request.org).get(pk=pk).number)
"""


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(textwrap.dedent(source), f"<{name}>", "exec"), module.__dict__)  # noqa: S102 (test code)
    sys.modules[name] = module
    return module


@pytest.fixture
def bad_urls(settings):
    """`views` as a client view module (`kabinet.contracts.probe_views`) and the same code as a service
    module (`kabinet.probe.services`), each under its own URLs."""
    names = ["kabinet.contracts.probe_views", "kabinet.probe.services", "kabinet.core.tests.probe_urls"]
    client_views = _module(names[0], VIEWS)
    service_views = _module(names[1], VIEWS)
    urls = types.ModuleType(names[2])
    from django.urls import path

    from config import urls as project_urls

    urls.urlpatterns = [  # type: ignore[attr-defined]  # a test URLconf module made here
        *(path(f"view/{n}/<int:pk>/", getattr(client_views, n)) for n in ("bad_get", "bad_filter", "bad_count")),
        *(path(f"view/{n}/<int:pk>/", getattr(client_views, n)) for n in ("good_accessor", "good_for_org")),
        path("service/bad_get/<int:pk>/", service_views.bad_get),
        *project_urls.urlpatterns,  # the error pages and the templates link to the real ones
    ]
    sys.modules[names[2]] = urls
    settings.ROOT_URLCONF = names[2]
    clear_url_caches()
    yield
    clear_url_caches()
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def own_contract(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-OWN")
    ScheduledPaymentFactory(contract=contract)
    return contract


@pytest.mark.parametrize("view", ["bad_get", "bad_filter", "bad_count"])
def test_a_view_reading_an_organization_owned_model_without_for_org_fails(bad_urls, client_a, own_contract, view):
    with pytest.raises(
        UnscopedQuery, match=r"Contract\.objects read without \.for_org\(\) at kabinet\.contracts\.probe_views"
    ):
        client_a.get(f"/view/{view}/{own_contract.pk}/")


def test_it_fails_for_the_own_organizations_object_too_not_only_for_a_leak(
    bad_urls, client_a, own_contract, contract_b
):
    for pk in (own_contract.pk, contract_b.pk):
        with pytest.raises(UnscopedQuery):
            client_a.get(f"/view/bad_get/{pk}/")


@pytest.mark.parametrize("view", ["good_accessor", "good_for_org"])
def test_the_scoped_entrances_and_related_managers_pass(bad_urls, client_a, own_contract, view):
    response = client_a.get(f"/view/{view}/{own_contract.pk}/")
    assert response.status_code == 200
    assert response.content.decode() in ("AL-OWN:1", "AL-OWN")


def test_through_the_accessor_another_organizations_object_is_a_404(bad_urls, client_a, contract_b):
    assert client_a.get(f"/view/good_accessor/{contract_b.pk}/").status_code == 404


def test_services_scope_by_themselves_and_are_allowed(bad_urls, client_a, own_contract):
    assert client_a.get(f"/service/bad_get/{own_contract.pk}/").content == b"AL-OWN"


def test_outside_a_request_nothing_is_checked(own_contract):
    assert Contract.objects.get(pk=own_contract.pk) == own_contract


def test_an_explicitly_unscoped_read_is_allowed_anywhere(own_contract):
    assert Contract.objects.unscoped().filter(pk=own_contract.pk).exists()
