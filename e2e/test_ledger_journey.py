"""Pay by the integration API → the main page, the card and the invoice change at once (browser)."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.api.models import ApiToken
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


def test_a_payment_sent_by_the_books_changes_the_main_page_and_the_card_at_once(
    page, transactional_db, admin_a, org_a, products
):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-PAY-1", external_id="PAY-1")
    for n in (1, 2):
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY - timedelta(days=60 - 20 * n), amount=Decimal("50000.00")
        )
    ScheduledPaymentFactory(
        contract=contract, number=3, due_date=TODAY + timedelta(days=10), amount=Decimal("50000.00")
    )
    sign_in(page, str(admin_a.phone))
    expect(page.get_by_test_id("debt-total")).to_have_text(
        "100 000,00 ₽".replace(" ", "\u202f", 1).replace(" ₽", "\u00a0₽")
    )

    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    body = {"payments": [{"external_id": "PP-1", "contract": "PAY-1", "received_on": str(TODAY), "amount": "70000.00"}]}
    request = urllib.request.Request(  # noqa: S310 -- http to the test's live server
        page.base_url + "/api/v1/payments/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 -- http to the test's live server
        assert response.status == 200

    page.reload()
    expect(page.get_by_test_id("debt-total")).to_contain_text("30\u202f000,00")
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    expect(page.get_by_test_id("overdue")).to_contain_text("30\u202f000,00")
    expect(page.get_by_test_id("remaining")).to_contain_text("80\u202f000,00")
    page.get_by_role("button", name="Счёт на оплату задолженности").click()
    page.wait_for_load_state("networkidle")
    assert Invoice.objects.get(kind="debt").amount == Decimal("30000.00")
