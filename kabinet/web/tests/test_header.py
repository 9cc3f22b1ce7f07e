"""The header renders once per (user, organization, section, version of what it shows) and is reused from
the cache; the CSRF inputs and the switcher's «next» are this request's; a change to what it shows is seen
at once; an htmx fragment has no header."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kabinet.notifications.models import Notification
from kabinet.testing.factories import ContractFactory, MembershipFactory, OrganizationFactory
from kabinet.testing.html import parse
from kabinet.web import header


@pytest.fixture
def renders(monkeypatch):
    """How many times the header's template was rendered."""
    count = []
    real = header._render

    def counting(context):
        count.append(1)
        return real(context)

    monkeypatch.setattr(header, "_render", counting)
    return count


def _header(response) -> str:
    """The header's HTML as sent."""
    found = re.search(r"<header.*?</header>", response.content.decode(), re.S)
    assert found, "the page has no header"
    return found.group(0)


def _token(html: str) -> str:
    found = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}', html)
    assert found, "the page sends no CSRF token with htmx"
    return found.group(1)


def test_the_header_renders_once_and_is_reused(client_a, renders):
    first = client_a.get("/dashboard/")
    second = client_a.get("/dashboard/")
    assert len(renders) == 1
    assert _header(first) == _header(second).replace(_token(second.content.decode()), _token(first.content.decode()))
    client_a.get("/contracts/")  # another section: its own header (the menu's current item)
    client_a.get("/contracts/")
    assert len(renders) == 2


def test_the_header_forms_carry_this_requests_csrf_token_and_next(admin_a, org_a, products):
    MembershipFactory(user=admin_a, organization=OrganizationFactory(name="ООО «Гамма»"))
    contract = ContractFactory(organization=org_a, product=products["auto"])
    pages = {}
    for n in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin_a)
        page = client.get(f"/contracts/{contract.pk}/" if n else "/dashboard/")
        html = page.content.decode()
        assert "\x00" not in html
        tokens = {i.get("value") for i in parse(page).find("header").find_all("input", name="csrfmiddlewaretoken")}
        assert tokens == {_token(html)}
        nexts = {i.get("value") for i in parse(page).find("header").find_all("input", name="next")}
        pages[n] = (client, tokens.pop(), nexts)
    assert pages[0][2] == {"/dashboard/"}
    assert pages[1][2] == {"/contracts/"}  # the card names the list as the switcher's return
    assert pages[0][1] != pages[1][1]
    # The kept header's forms work with this request's token.
    client, token, _ = pages[1]
    assert client.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert Client(enforce_csrf_checks=True).post("/logout/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_a_change_to_what_the_header_shows_is_seen_at_once(client_a, admin_a, org_a, renders):
    client_a.get("/dashboard/")
    org_a.name = "ООО «Альфа-Плюс»"
    org_a.save()
    assert "Альфа-Плюс" in _header(client_a.get("/dashboard/"))
    Notification.objects.create(organization=org_a, user=admin_a, kind="payment_due", title="Т", body="Т")
    badges = parse(client_a.get("/dashboard/")).find("header").find_all("span", class_="badge")
    assert [b.text for b in badges] == ["1 непрочитанных"]
    assert len(renders) == 3


def test_an_htmx_fragment_renders_no_header(client_a, org_a, products, renders):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    fragment = client_a.get(f"/contracts/{contract.pk}/items/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<header" not in fragment.content.decode()
    assert renders == []


def test_an_htmx_request_for_a_whole_page_gets_it_without_the_header(client_a):
    """htmx asks for a page no fragment of which it names (an old «Показать ещё» address): the page, no
    header (its context is only made for full page loads), never a 500."""
    response = client_a.get("/dashboard/?shown=20", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<header" not in response.content.decode()
