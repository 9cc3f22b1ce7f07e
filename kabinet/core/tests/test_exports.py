"""Every list's Excel export asks for a sign-in (the exports' own tests sit beside each list's app)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/contracts/export.xlsx",
        "/documents/export.xlsx",
        "/requests/export.xlsx",
        "/notifications/export.xlsx",
        "/calendar/export.xlsx",
        "/debt/export.xlsx",
        "/settings/history/export.xlsx",
        "/support/export.xlsx",
        "/invoices/export.xlsx",
    ],
)
def test_exports_need_a_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
