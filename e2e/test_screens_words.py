"""Phone and desktop screens (375 and 1440 px): the overdue-debt rows keep their label apart from the
amount and the books' note inside the card; the documents filters fold behind «Фильтры» on a phone;
«Выставленные счета» highlights «Документы». Screenshots go to $KB_SHOTS when it is set."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.testing.factories import ContractFactory, DebtFactory, ScheduledPaymentFactory

WIDTHS = ["page", "phone_page"]


def shot(page, name: str) -> None:
    folder = os.environ.get("KB_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_debt_rows_read_cleanly(request, viewport, transactional_db, admin_a, org_a, products):
    page = request.getfixturevalue(viewport)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=timezone.localdate() - timedelta(days=15), amount=Decimal("166222.21")
    )
    DebtFactory(contract=contract, amount=Decimal("171500.00"))
    sign_in(page, str(admin_a.phone))
    page.get_by_test_id("debt-toggle").click()
    row = page.get_by_test_id("debt-row").first
    expect(row).to_be_visible()
    note = row.get_by_test_id("books-check")
    expect(note).to_be_visible()
    shot(page, "debt")
    # The label («Сумма задолженности», drawn before the cell on a phone) never runs into the amount,
    # and the books' note stays inside the card.
    geometry = row.evaluate(
        """td => {
          const value = td.querySelector('.kb-debt-value').getBoundingClientRect();
          const card = td.closest('.card').getBoundingClientRect();
          const note = td.querySelector('[data-testid=books-check]').getBoundingClientRect();
          const before = getComputedStyle(td, '::before').content;
          return {valueLeft: value.left, tdLeft: td.getBoundingClientRect().left, noteRight: note.right,
                  cardRight: card.right, label: before};
        }"""
    )
    assert geometry["noteRight"] <= geometry["cardRight"] + 0.5, geometry
    if page.viewport_size["width"] < 576:
        assert "Сумма задолженности" in geometry["label"]
        assert geometry["valueLeft"] > geometry["tdLeft"] + 60, geometry  # the value sits apart from the label
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_documents_filters_fold_on_a_phone(request, viewport, transactional_db, admin_a):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/documents/")
    search = page.locator("form.kb-filters")
    toggle = page.get_by_test_id("filters-toggle")
    if page.viewport_size["width"] < 992:
        expect(search).to_be_hidden()
        shot(page, "documents-folded")
        toggle.click()
        expect(search).to_be_visible()
    else:
        expect(toggle).to_be_hidden()
        expect(search).to_be_visible()
    shot(page, "documents")


def test_the_invoices_list_highlights_documents(page, transactional_db, admin_a):
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/invoices/")
    expect(page.locator("nav a[aria-current='page']")).to_have_text("Документы")
    shot(page, "invoices")
