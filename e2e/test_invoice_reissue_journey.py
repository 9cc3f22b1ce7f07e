"""In the browser, at 1440 and 375 px: an issued «Счёт на оплату» is reused only while
everything it prints still holds. The books move the invoiced line's due date (PUT …/schedule/): the issued
invoice reads «аннулирован», its PDF stays the same file with the old date, the button issues a new number
with the new date, and the old one reads «аннулирован, заменён счётом № …». Before, the old invoice was
served again as «актуален» («Оплатить до» the old date)."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_books_figure_journey import shot
from e2e.test_invoice_documents import text_of
from e2e.test_journeys import sign_in
from kabinet.api.models import ApiToken
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


def put_schedule(base_url: str, external_id: str, rows: list[dict]) -> dict:
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    request = urllib.request.Request(  # noqa: S310 -- http to the test's live server
        base_url + f"/api/v1/contracts/{external_id}/schedule/",
        data=json.dumps({"payments": rows}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 -- http to the test's live server
        assert response.status == 200
        return json.loads(response.read())


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_an_invoice_is_reissued_when_the_books_move_its_line(
    request, viewport, transactional_db, admin_a, org_a, products, creditor
):
    page = request.getfixturevalue(viewport)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-RI-1", external_id="RI-1")
    first_due, moved_due = TODAY + timedelta(days=10), TODAY + timedelta(days=25)
    ScheduledPaymentFactory(contract=contract, number=1, due_date=first_due, amount=Decimal("50000.00"))
    ScheduledPaymentFactory(
        contract=contract, number=2, due_date=TODAY + timedelta(days=40), amount=Decimal("50000.00")
    )
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as first:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    issued = Path(first.value.path()).read_bytes()
    assert f"{first_due:%d.%m.%Y}" in text_of(first.value.path())
    invoice = Invoice.objects.get()

    # The books move line 1 (same amount): what the invoice prints no longer holds.
    rows = [
        {"number": 1, "due_date": str(moved_due), "amount": "50000.00", "vat_rate": "22"},
        {"number": 2, "due_date": str(TODAY + timedelta(days=40)), "amount": "50000.00", "vat_rate": "22"},
    ]
    assert put_schedule(page.base_url, "RI-1", rows)["updated"] >= 1

    page.goto(page.base_url + f"/invoices/?contract={contract.pk}")
    expect(page.get_by_test_id("invoice-status")).to_contain_text("аннулирован")
    with page.expect_download() as again:
        page.get_by_role("link", name=f"Скачать счёт № {invoice.number}").click()
    assert Path(again.value.path()).read_bytes() == issued  # the old PDF, unchanged
    shot(page, "invoice-annulled")

    # The button issues a new number with the new date; the old one is «заменён счётом № …».
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as third:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    text = text_of(third.value.path())
    assert f"{moved_due:%d.%m.%Y}" in text and f"{first_due:%d.%m.%Y}" not in text
    replacement = Invoice.objects.exclude(pk=invoice.pk).get()
    assert replacement.number != invoice.number
    page.goto(page.base_url + f"/invoices/?contract={contract.pk}")
    statuses = page.get_by_test_id("invoice-status")
    expect(statuses).to_have_count(2)
    expect(page.get_by_text(f"аннулирован, заменён счётом № {replacement.number}")).to_be_visible()
    expect(statuses.filter(has_text="актуален")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot(page, "invoice-replaced")
