"""Deeply nested JSON is a 400 with a clear message, never a 500."""

import pytest
from django.test import Client

from kabinet.api.models import ApiToken


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", raise_request_exception=False)


@pytest.mark.parametrize("depth", [100_000, 2_000, 40])
def test_deeply_nested_json_is_a_400_naming_the_limit(api, depth):
    body = '{"payments": ' + "[" * depth + "]" * depth + "}"
    response = api.post("/api/v1/payments/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.json()["detail"]


def test_a_deep_object_on_a_put_is_refused_too(api):
    body = '{"name": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    response = api.put("/api/v1/creditors/CR-1/", body, content_type="application/json")
    assert response.status_code == 400 and "nested deeper" in response.json()["detail"]


def test_ordinary_nesting_still_parses(api):
    response = api.post("/api/v1/payments/", {"payments": [{"contract": "none"}]}, content_type="application/json")
    assert response.status_code == 400 and "payments" in response.json()  # a field error, not a depth error
