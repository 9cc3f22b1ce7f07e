"""Control characters in any input are a 400 naming the field — JSON in the API, a Russian page on the
client side — never a 500 (on PostgreSQL a NUL in a lookup was one) and never stored. Fails on the old
code: these requests were 500s on PostgreSQL and 200s on SQLite."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.api.models import ApiToken
from kabinet.core.input_hygiene import API_MESSAGE
from kabinet.organizations.models import Organization
from kabinet.testing.factories import ContractFactory


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", kind=ApiToken.Kind.STAFF, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_an_api_body_with_a_nul_is_a_400_naming_the_field(api):
    body = {"name": "ООО «Ноль»", "inn": "78\u000012", "status": "active"}
    response = api.put("/api/v1/organizations/x/", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"inn": [API_MESSAGE]}
    assert not Organization.objects.filter(external_id="x").exists()


def test_nested_fields_and_keys_are_named_like_drf_names_them(api):
    rows = {"payments": [{"contract": "C-1", "amount": "1"}, {"contract": "C\u00012", "amount": "1"}]}
    response = api.post("/api/v1/payments/", rows, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"payments": {"1": {"contract": [API_MESSAGE]}}}
    response = api.post("/api/v1/payments/", {"pay\u0000ments": []}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()) == ["pay?ments"]


def test_an_api_upload_form_and_query_string_with_control_characters_are_400(api):
    form = {"external_id": "D-1", "title": "Акт\u0000", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}
    response = api.post("/api/v1/documents/", form)
    assert response.status_code == 400 and response.json() == {"title": [API_MESSAGE]}
    response = api.get("/api/v1/events/?after=1%00")
    assert response.status_code == 400 and response.json() == {"after": [API_MESSAGE]}


@pytest.mark.parametrize(
    "url", ["/search/?q=a%00b", "/documents/contracts/?contract=%00", "/documents/requests/?appeal=%00"]
)
def test_a_client_page_with_a_nul_in_the_query_answers_a_russian_400(client_a, url):
    response = client_a.get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "управляющий символ" in text and "«" + url.split("?")[1].split("=")[0] + "»" in text


def test_a_stranger_gets_the_same_and_forms_are_checked_too(client, db):
    response = client.get("/register/companies/?q=a%00b")
    assert response.status_code == 400 and "управляющий символ" in response.content.decode()
    response = client.post("/login/", {"username": "+7 900 000\u000000-01", "password": "x"})
    assert response.status_code == 400 and "«username»" in response.content.decode()


def test_tab_line_feed_and_carriage_return_stay_allowed(client_a, org_a, products, api):
    ContractFactory(organization=org_a, product=products["auto"], number="AL-TAB")
    assert client_a.get("/search/?q=AL%09%0D%0A").status_code == 200
    body = {"name": "ООО «Строки»", "full_name": "ООО\r\n«Строки»", "inn": "7710140679", "kpp": "771001001"}
    response = api.put("/api/v1/organizations/ORG-LF/", body | {"status": "active"}, content_type="application/json")
    assert response.status_code == 201, response.content.decode()


def test_the_parsers_quick_look_at_the_text_never_misses_a_control_character():
    import json

    from kabinet.api.parsers import may_hold_control
    from kabinet.core.input_hygiene import has_control

    for code in range(0x80):
        character = chr(code)
        for text in (
            json.dumps({"k": f"a{character}b"}),
            json.dumps({"k": f"a{character}b"}, ensure_ascii=False),
            json.dumps({f"k{character}": 1}),
            re.sub(r"\\u[0-9a-f]{4}", lambda m: "\\u" + m.group()[2:].upper(), json.dumps({"k": f"a{character}b"})),
        ):
            if has_control(character):
                assert may_hold_control(text), (code, text)
    # The usual body (no backslash, no DEL) is answered without the walk.
    assert not may_hold_control(json.dumps({"schedules": [{"contract": "C-1", "amount": "10.00"}]}, ensure_ascii=False))


@pytest.mark.parametrize("value", ["a\bb", "a\fb", "a\x7fb", "a\x1fb", "a\x00b"])
def test_every_spelling_of_a_control_character_in_a_body_is_a_400(api, value):
    import json

    for text in (
        json.dumps({"payments": [{"contract": value}]}),
        json.dumps({"payments": [{"contract": value}]}, ensure_ascii=False),
    ):
        response = api.generic("POST", "/api/v1/payments/", text, content_type="application/json")
        assert response.status_code == 400 and response.json() == {"payments": {"0": {"contract": [API_MESSAGE]}}}


def test_an_escaped_backslash_before_b_or_f_is_no_control_character(api):
    text = '{"payments": [{"contract": "C\\\\b\\\\f\\\\u0000", "amount": "1"}]}'  # the characters C \ b \ f \ u 0 0 0 0
    response = api.generic("POST", "/api/v1/payments/", text, content_type="application/json")
    assert response.status_code == 400 and API_MESSAGE not in response.content.decode()
