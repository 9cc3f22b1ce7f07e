"""The journeys' CSP watch catches a violation, and the pages outside the journeys (the API
docs, the back office) run under the policy without one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import _open
from e2e.test_journeys import confirm_by_sms
from kabinet.testing.factories import PASSWORD


def test_the_watch_catches_an_inline_style_and_an_inline_script(browser, live_server, db):
    context, page, violations, _broken = _open(browser, live_server)
    try:
        page.goto(page.base_url + "/login/")
        page.evaluate(
            """() => {
                const div = document.createElement("div");
                div.innerHTML = '<p style="color: red">x</p><img src="x" onerror="1">';
                document.body.append(div);
            }"""
        )
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert any("style-src" in v for v in violations)


def test_the_pages_send_a_strict_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in client.get("/login/")["Permissions-Policy"]


def test_the_api_docs_page_runs_under_the_policy(page):
    page.goto(page.base_url + "/api/v1/docs/")
    expect(page.get_by_text("Kabinet integration API").first).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/registration/",
        "/admin/api/apitoken/add/",
        "/admin/api/webhookdelivery/",
        "/admin/organizations/registrycompany/import/",
        "/admin/audit/auditevent/",
    ],
)
def test_the_back_office_runs_under_the_policy(page, staff, path):
    page.goto(page.base_url + "/login/?next=/admin/")
    page.get_by_label("Номер телефона").fill(str(staff.phone))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    confirm_by_sms(page, staff)
    expect(page.locator("#user-tools")).to_be_visible()
    page.goto(page.base_url + path)
    expect(page.locator("#content")).to_be_visible()
