"""«Подписать и отправить лизингодателю» in the browser, at 1440 and 375 px: from the акт сверки page the
client's акт goes «на подпись», is signed with the SMS code read from the outbox and reads «подписан»;
the page links to «Сверка с вашими данными»."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from e2e.test_signatures import enter_code
from kabinet.api.models import ApiEvent
from kabinet.signatures.models import SignatureRequest
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.signing import signing_ready

SIZES = ["page", "phone_page"]


@pytest.fixture
def ready(transactional_db, settings, admin_a, org_a, products):
    settings.SMS_RESEND_INTERVAL = 0
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, number=1, due_date=today.replace(day=1), amount=Decimal("1200.00"))
    signing_ready(org_a, products["auto"].creditor, admin_a, admin_a)
    return contract


@pytest.mark.parametrize("size", SIZES)
def test_issue_sign_and_send_the_act(request, size, ready, admin_a):
    page = request.getfixturevalue(size)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + f"/statements/?contract={ready.pk}")
    expect(page.get_by_test_id("statement-compare-link")).to_have_attribute("href", "/statements/compare/")
    page.get_by_role("button", name="Подписать и отправить лизингодателю").click()
    expect(page).to_have_url(f"{page.base_url}/signatures/{SignatureRequest.objects.get().pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Акт сверки AL-26-00777")
    page.get_by_test_id("sign-button").click()
    enter_code(page, admin_a)
    expect(page.get_by_test_id("signature-status")).to_have_text("подписан")
    event = ApiEvent.objects.get(kind=ApiEvent.Kind.DOCUMENT_SIGNED)
    assert event.payload["document_kind"] == "reconciliation_act"
    assert event.creditor_id == ready.product.creditor_id
