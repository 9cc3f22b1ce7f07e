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


@pytest.mark.parametrize("width", [1440, 375])
def test_an_issued_invoice_stays_the_same_file_and_is_replaced_when_the_bank_account_changes(
    page, contract, creditor, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as first:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    issued = Path(first.value.path()).read_bytes()
    assert issued[:4] == b"%PDF" and creditor.settlement_account in text_of(first.value.path())
    invoice = Invoice.objects.get()
    # Pressing the button again while nothing it prints changed gives the same invoice, not a new number.
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as same:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    assert Path(same.value.path()).read_bytes() == issued and Invoice.objects.count() == 1

    creditor.settlement_account, creditor.bank_name = "40702810900000000001", "АО «Другой банк»"
    creditor.save()

    # The payee changed: the issued invoice no longer holds and says so; its file is the same.
    page.goto(page.base_url + f"/contracts/{contract.pk}/accounting-documents/")
    page.get_by_role("link", name="Выставленные счета").click()
    expect(page.get_by_test_id("invoice-status")).to_contain_text("аннулирован")
    with page.expect_download() as again:
        page.get_by_role("link", name=f"Скачать счёт № {invoice.number}").click()
    assert Path(again.value.path()).read_bytes() == issued
    # The button issues a new number with the new account; the old one reads «заменён счётом № …».
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    with page.expect_download() as third:
        page.get_by_role("button", name="Счёт на оплату", exact=True).click()
    assert "40702810900000000001" in text_of(third.value.path()) and Invoice.objects.count() == 2
    replacement = Invoice.objects.exclude(pk=invoice.pk).get()
    page.goto(page.base_url + f"/invoices/?contract={contract.pk}")
    statuses = page.get_by_test_id("invoice-status")
    expect(statuses).to_have_count(2)
    expect(page.get_by_text(f"аннулирован, заменён счётом № {replacement.number}")).to_be_visible()
    expect(statuses.filter(has_text="актуален")).to_have_count(1)


def test_a_client_downloads_a_reconciliation_statement_from_the_contract_card(page, contract):
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/accounting-documents/")
    page.get_by_role("link", name="Акт сверки").click()
    expect(page.get_by_label("Номер договора")).to_have_value("AL-26-00900")
    page.locator("#id_date_from").fill(date(TODAY.year, 1, 1).isoformat())
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Сформировать").click()
    text = text_of(pdf.value.path())
    assert "Акт сверки взаимных расчётов" in text and "AL-26-00900" in text
    page.get_by_label("Excel (XLSX)").check()
    with page.expect_download() as xlsx:
        page.get_by_role("button", name="Сформировать").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    page.locator("#id_date_from").fill(TODAY.isoformat())
    page.locator("#id_date_to").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Сформировать").click()
    expect(page.get_by_text("Начало периода позже его окончания.")).to_be_visible()
