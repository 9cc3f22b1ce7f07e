"""Every dialog of the client pages opens and closes with no Content-Security-Policy violation in the
console (the `page` fixture fails the journey on any), at the desktop and the phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.testing.factories import ContractFactory

PAGES = ["/dashboard/", "/requests/", "/settings/", "/contracts/{pk}/"]


@pytest.fixture
def client_with_contract(transactional_db, admin_a, org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00123")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_every_dialog_opens_without_a_csp_violation(request, viewport, admin_a, client_with_contract):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    opened = 0
    for path in PAGES:
        page.goto(page.base_url + path.format(pk=client_with_contract.pk))
        openers = page.locator('[data-bs-toggle="modal"]')
        for index in range(openers.count()):
            opener = openers.nth(index)
            if not opener.is_visible():
                continue
            target = opener.get_attribute("data-bs-target")
            # Bootstrap ignores a close while the dialog is still fading in: wait for its «shown» event.
            page.evaluate(
                "t => { const el = document.querySelector(t); el.dataset.shown = '';"
                " el.addEventListener('shown.bs.modal', () => { el.dataset.shown = '1'; }, {once: true}); }",
                target,
            )
            opener.click()
            dialog = page.locator(f"{target}.show")
            expect(dialog).to_be_visible()
            expect(page.locator(f"{target}[data-shown='1']")).to_have_count(1)
            if opener.get_attribute("hx-get"):  # the request form, loaded into the dialog by htmx
                expect(dialog.locator(".spinner-border")).to_have_count(0)
            dialog.locator(".btn-close").first.click()
            expect(page.locator(f"{target}.show")).to_have_count(0)
            opened += 1
    assert opened >= 4
