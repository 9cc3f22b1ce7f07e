"""The list of sessions in «Профиль» in the browser: signed in on a laptop and a phone, the laptop sees
both, marks itself «Это устройство», and «Завершить» signs the phone out at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.test_journeys import sign_in


def test_a_session_on_another_device_is_ended_from_the_profile(page, phone_page, transactional_db, admin_a):
    sign_in(page, str(admin_a.phone))
    sign_in(phone_page, str(admin_a.phone))
    page.goto(page.base_url + "/profile/")
    rows = page.get_by_test_id("session-row")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_test_id("this-device")).to_be_visible()
    other = rows.nth(1)
    expect(other.get_by_test_id("this-device")).to_have_count(0)
    other.get_by_role("button", name="Завершить").click()
    expect(page.get_by_text("Сеанс завершён.")).to_be_visible()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    phone_page.goto(phone_page.base_url + "/dashboard/")
    expect(phone_page).to_have_url(re.compile(r"/login/"))
