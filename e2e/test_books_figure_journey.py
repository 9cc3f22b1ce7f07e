"""The books' debt figure is what the client owes (docs/ledger-rules.md, B1–B6), in a browser at 1440
and 375 px: the books send 171 500,00 where the portal's records make 166 222,21; the main page's row,
the card and the debt invoice ask for 171 500,00 «по данным учёта на …», the portal's figure and the part
not itemized beside it. Before, all of them asked for 166 222,21."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.api.models import ApiToken
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()
WIDTHS = ["page", "phone_page"]


def shot(page, name: str) -> None:
    folder = os.environ.get("KB_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def money(text: str) -> str:
    """«171 500,00» as the page prints it (a narrow no-break space between thousands)."""
    return text.replace(" ", "\u202f")


def put_debt(base_url: str, external_id: str, body: dict) -> dict:
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    request = urllib.request.Request(  # noqa: S310 -- http to the test's live server
        base_url + f"/api/v1/contracts/{external_id}/debt/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 -- http to the test's live server
        assert response.status == 200
        return json.loads(response.read())


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_books_figure_is_the_headline_and_the_invoice_asks_for_it(
    request, viewport, transactional_db, admin_a, org_a, products
):
    page = request.getfixturevalue(viewport)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-BK-1", external_id="BK-1")
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=TODAY - timedelta(days=40), amount=Decimal("100000.00")
    )
    ScheduledPaymentFactory(
        contract=contract, number=2, due_date=TODAY - timedelta(days=10), amount=Decimal("66222.21")
    )
    ScheduledPaymentFactory(
        contract=contract, number=3, due_date=TODAY + timedelta(days=20), amount=Decimal("50000.00")
    )
    as_of = TODAY - timedelta(days=5)
    answer = put_debt(page.base_url, "BK-1", {"amount": "171500.00", "as_of": str(as_of)})
    assert answer["debt_today"] == "171500.00"
    sign_in(page, str(admin_a.phone))

    # The main page: the headline, its date, the portal's figure and the part not itemized.
    expect(page.get_by_test_id("debt-total")).to_contain_text(money("171 500,00"))
    expect(page.get_by_test_id("debt-count")).to_have_text("Договоров с просрочкой: 1")
    page.get_by_test_id("debt-toggle").click()
    row = page.get_by_test_id("debt-row").first
    expect(row).to_contain_text(money("171 500,00"))
    expect(row.get_by_test_id("books-as-of")).to_have_text(f"по данным учёта на {as_of:%d.%m.%Y}")
    expect(row.get_by_test_id("portal-figure")).to_contain_text(money("166 222,21"))
    expect(row.get_by_test_id("not-itemized")).to_contain_text(money("5 277,79"))
    note = row.get_by_test_id("books-check")
    inside = "e => e.getBoundingClientRect().right <= e.closest('.card').getBoundingClientRect().right + 0.5"
    assert note.evaluate(inside)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot(page, "books-figure-dashboard")

    # The card: the same headline, and the debt invoice asks for it.
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    overdue = page.get_by_test_id("overdue")
    expect(overdue).to_contain_text(money("171 500,00"))
    expect(overdue.get_by_test_id("books-as-of")).to_have_text(f"по данным учёта на {as_of:%d.%m.%Y}")
    assert overdue.get_by_test_id("books-check").evaluate(
        "e => e.getBoundingClientRect().right <= e.closest('.card').getBoundingClientRect().right + 0.5"
    )
    shot(page, "books-figure-card")
    page.get_by_role("button", name="Счёт на оплату задолженности").click()
    page.wait_for_load_state("networkidle")
    invoice = Invoice.objects.get(kind="debt")
    assert invoice.amount == Decimal("171500.00")
    assert "|Sum=17150000" in invoice.snapshot["qr_payload"]
    assert invoice.snapshot["lines"][-1]["amount"] == "5277.79"
