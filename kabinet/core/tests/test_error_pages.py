"""Error pages: Russian, branded, in the layout; a 404 of one's other organization offers to switch."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.views import defaults

from config.urls import urlpatterns as portal_urlpatterns
from kabinet.organizations.models import Membership
from kabinet.testing.factories import MembershipFactory


def _boom(request):
    raise RuntimeError("the test breaks this page")


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("bad")


urlpatterns = [
    path("test-500/", _boom),
    path("test-403/", _forbidden),
    path("test-400/", _suspicious),
    *portal_urlpatterns,
]
handler404 = "kabinet.core.errors.page_not_found"

pytestmark = pytest.mark.urls(__name__)


def test_an_unknown_address_is_a_russian_404_in_the_portal_layout(client_a):
    response = client_a.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="ru">' in html and "Страница не найдена" in html
    assert "Not Found" not in html
    # The header of the portal is there: the sections and the selected organization.
    assert "Договоры" in html and "ООО «Альфа»" in html
    assert "На главную" in html


def test_an_object_of_my_other_organization_offers_to_switch_to_it(client_a, admin_a, org_b, contract_b):
    MembershipFactory(user=admin_a, organization=org_b, role=Membership.Role.MANAGER)
    response = client_a.get(f"/contracts/{contract_b.pk}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Переключиться на ООО «Бета»" in html
    assert f'name="organization" value="{org_b.pk}"' in html
    assert f'name="next" value="/contracts/{contract_b.pk}/"' in html
    # Switching brings the user to the page asked for.
    switched = client_a.post(
        "/organization/switch/", {"organization": org_b.pk, "next": f"/contracts/{contract_b.pk}/"}
    )
    assert client_a.get(switched["Location"]).status_code == 200


def test_a_strangers_object_is_the_same_404_as_a_missing_one(client_a, org_b, contract_b):
    foreign = client_a.get(f"/contracts/{contract_b.pk}/")
    missing = client_a.get("/contracts/999999/")
    assert foreign.status_code == missing.status_code == 404

    def normalized(response):
        html = re.sub(r"/contracts/\d+/", "/contracts/N/", response.content.decode())
        html = re.sub(r'nonce="[^"]+"', 'nonce="N"', html)  # the CSP nonce is new on every response
        return re.sub(r'(name="csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1T", html)

    foreign_html, missing_html = normalized(foreign), normalized(missing)
    assert foreign_html == missing_html
    assert "Бета" not in foreign_html and "Переключиться" not in foreign_html


def test_403_and_400_are_russian_pages(client_a):
    forbidden = client_a.get("/test-403/")
    assert forbidden.status_code == 403 and "Доступ запрещён" in forbidden.content.decode()
    bad = client_a.get("/test-400/")
    assert bad.status_code == 400 and "Запрос не удалось обработать" in bad.content.decode()


def test_500_renders_without_the_database_or_context_processors(admin_a, monkeypatch):
    def broken_processor(request):
        raise RuntimeError("a context processor must not run on the 500 page")

    monkeypatch.setattr("kabinet.web.context_processors.portal", broken_processor)
    client = Client(raise_request_exception=False)
    client.force_login(admin_a)
    response = client.get("/test-500/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Что-то пошло не так" in html and "Kabinet" in html and '<html lang="ru">' in html

    request = RequestFactory().get("/anything/")
    with CaptureQueriesContext(connection) as queries:
        direct = defaults.server_error(request)
    assert direct.status_code == 500 and len(queries) == 0


def test_an_expired_form_explains_and_offers_to_reload(admin_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    response = client.post("/organization/switch/", {"organization": 1}, HTTP_REFERER="http://testserver/contracts/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Страница устарела" in html
    assert '<a class="btn btn-primary" href="http://testserver/contracts/">Обновить страницу</a>' in html
    assert response["X-Kabinet-Error"] == "csrf"
