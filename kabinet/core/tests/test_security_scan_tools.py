"""The people and the token `make security` scans with (security/identities.py) and the schemathesis
configuration of `make api-fuzz` (security/api_fuzz.py) keep working as the sign-in and the API change:
the scans themselves run outside the suite, for minutes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from kabinet.testing.factories import PASSWORD, ContractFactory

SECURITY = Path(__file__).resolve().parents[3] / "security"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"security_{name}", SECURITY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def identities(org_a, admin_a, products, monkeypatch):
    """security/identities.py against a small world: its client is admin_a, with a contract of the creditor."""
    module = _load("identities")
    monkeypatch.setattr(module, "CLIENT_PHONE", str(admin_a.phone))
    monkeypatch.setattr(module, "CLIENT_PASSWORD", PASSWORD)
    ContractFactory(organization=org_a, product=products["auto"], external_id="scan-contract-1")
    return module


def _client_with(cookies: dict[str, str]) -> Client:
    browser = Client(HTTP_HOST="127.0.0.1")
    for name, value in cookies.items():
        browser.cookies[name] = value
    return browser


def test_the_scan_signs_staff_in_with_the_sms_code_as_a_view_only_user(identities):
    people = identities.sessions()
    staff, client = people["staff"], people["client"]
    assert staff["second_factor"] and staff["landing"] == "/admin/"
    assert client["landing"] == "/dashboard/"

    from kabinet.accounts.models import User

    viewer = User.objects.get(phone=staff["phone"])
    assert viewer.is_staff and not viewer.is_superuser
    assert set(viewer.user_permissions.values_list("codename", flat=True)) == set(
        Permission.objects.filter(codename__startswith="view_").values_list("codename", flat=True)
    )
    assert {"sessionid", "csrftoken"} <= set(staff["cookies"])

    # The cookies wapiti receives are a signed-in session: every start URL opens, nothing is offered to change.
    browser = _client_with(staff["cookies"])
    assert len(staff["start_urls"]) > 20 and "/admin/contracts/contract/" in staff["start_urls"]
    for url in staff["start_urls"]:
        response = browser.get(url)
        assert response.status_code == 200, url
        assert 'name="_save"' not in response.content.decode(), url
    assert _client_with(client["cookies"]).get("/dashboard/").status_code == 200


def test_the_api_fuzz_token_is_a_creditors_and_its_config_loads_in_schemathesis(identities, tmp_path, monkeypatch):
    from schemathesis.config import SchemathesisConfig

    from kabinet.api.models import ApiToken

    issued = identities.token()
    token = ApiToken.objects.get(name="schemathesis")
    assert token.kind == ApiToken.Kind.CREDITOR and token.creditor is not None and token.can_write
    assert issued["key"].startswith("kb_") and issued["known"]["contracts"] == ["scan-contract-1"]

    monkeypatch.syspath_prepend(str(SECURITY))
    api_fuzz = _load("api_fuzz")
    config = SchemathesisConfig.from_path(str(api_fuzz.write_config(tmp_path / "schemathesis.toml", issued["known"])))
    assert "contracts" in config.dictionaries
    sys.modules.pop("portal", None)
