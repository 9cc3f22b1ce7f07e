"""Invoices as documents and the reconciliation statement, in the browser."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


def text_of(path: str) -> str:
    document = pypdfium2.PdfDocument(Path(path).read_bytes())
    return " ".join(page.get_textpage().get_text_range() for page in document).replace("\u202f", " ")


@pytest.fixture
def contract(transactional_db, admin_a, org_a, products, creditor):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00900")
    for n in range(1, 4):
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=30 * n - 40), amount=Decimal("50000.00")
        )
    return contract


def test_an_issued_invoice_stays_the_same_after_the_bank_account_changes(page, contract, creditor):
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as first:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    issued = Path(first.value.path()).read_bytes()
    assert issued[:4] == b"%PDF" and creditor.settlement_account in text_of(first.value.path())
    assert Invoice.objects.count() == 1

    creditor.settlement_account, creditor.bank_name = "40702810900000000001", "АО «Другой банк»"
    creditor.save()

    # The issued invoice, found in «Выставленные счета» of the card, is the same file.
    page.goto(page.base_url + f"/contracts/{contract.pk}/accounting-documents/")
    page.get_by_role("link", name="Выставленные счета").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("актуален")
    invoice = Invoice.objects.get()
    with page.expect_download() as again:
        page.get_by_role("link", name=f"Скачать счёт № {invoice.number}").click()
    assert Path(again.value.path()).read_bytes() == issued
    # Pressing the button again gives the same invoice, not a new number.
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as third:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    assert Path(third.value.path()).read_bytes() == issued and Invoice.objects.count() == 1


def test_a_client_downloads_a_reconciliation_statement_from_the_contract_card(page, contract):
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/accounting-documents/")
    page.get_by_role("link", name="Акт сверки").click()
    expect(page.get_by_label("Номер договора")).to_have_value("AL-26-00900")
    page.locator("#id_date_from").fill(date(TODAY.year, 1, 1).isoformat())
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Скачать PDF").click()
    text = text_of(pdf.value.path())
    assert "Акт сверки взаимных расчётов" in text and "AL-26-00900" in text
    with page.expect_download() as xlsx:
        page.get_by_role("button", name="Скачать Excel").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    page.locator("#id_date_from").fill(TODAY.isoformat())
    page.locator("#id_date_to").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Скачать PDF").click()
    expect(page.get_by_text("Начало периода позже его окончания.")).to_be_visible()
