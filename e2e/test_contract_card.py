"""The main page and the contract card in the browser: invoices, tabs, dialogs, downloads."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.contracts.models import InsurancePolicy
from kabinet.documents.models import Document
from kabinet.testing.factories import ContractFactory, DebtFactory, LeasedItemFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


@pytest.fixture
def contract(transactional_db, admin_a, org_a, products, creditor):
    creditor.memo = "Оплачивайте платежи до даты из графика."
    creditor.save()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00500")
    LeasedItemFactory(contract=contract, make="Kia", model="Rio", vin="Z94C241BBLR123456", plate="К500КК78")
    for n in range(1, 13):
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=30 * n - 45), amount=Decimal("50000.00")
        )
    DebtFactory(contract=contract, amount=Decimal("50000.00"))
    InsurancePolicy.objects.create(
        organization=org_a,
        contract=contract,
        kind="ОСАГО",
        insurer="СПАО «Ингосстрах»",
        policy_number="ХХХ 0123456789",
        start_date=TODAY,
        end_date=TODAY + timedelta(days=365),
    )
    document = Document(
        organization=org_a,
        contract=contract,
        category="accounting",
        doc_type="Акт сверки",
        title="Акт сверки за 2026",
        document_date=TODAY,
        original_name="Акт сверки 2026.pdf",
    )
    document.file.save("a.pdf", ContentFile(b"%PDF-1.4 reconciliation"), save=False)
    document.save()
    return contract


def settled(page) -> None:
    """Wait until htmx has swapped and processed the new fragment."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    page.wait_for_timeout(50)


def test_main_page_invoice_debt_and_dialogs(page, contract):
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    expect(page.get_by_text("Просроченная задолженность")).to_be_visible()
    page.get_by_text("Развернуть").click()
    with page.expect_download() as debt_download:
        page.get_by_role("button", name="Счёт на оплату задолженности").click()
    assert debt_download.value.suggested_filename.startswith("Счёт № ")
    rows = page.locator("#calendar tbody tr:not(.kb-more-row)")
    expect(rows).to_have_count(10)
    page.get_by_role("link", name="Показать ещё").click()
    expect(rows).to_have_count(11)
    with page.expect_download() as invoice:
        rows.first.get_by_role("button", name="Счёт на оплату").click()
    assert Path(invoice.value.path()).read_bytes()[:4] == b"%PDF"
    page.get_by_role("button", name="Памятка клиента").click()
    dialog = page.get_by_role("dialog", name="Памятка клиента")
    expect(dialog).to_contain_text("Оплачивайте платежи до даты из графика.")
    expect(dialog).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Памятка клиента")).to_be_focused()


def test_contract_card_tabs_switch_in_place_and_have_their_own_urls(page, contract):
    sign_in(page, str(contract.organization.memberships.first().user.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    expect(page.get_by_text("Осталось оплатить")).to_be_visible()
    page.get_by_role("tab", name="Предметы лизинга").click()
    expect(page).to_have_url(re.compile(rf"/contracts/{contract.pk}/items/$"))
    expect(page.get_by_text("Z94C241BBLR123456")).to_be_visible()
    page.get_by_role("tab", name="Страхование").click()
    expect(page.get_by_text("СПАО «Ингосстрах»")).to_be_visible()
    page.get_by_role("tab", name="Бухгалтерские документы").click()
    expect(page).to_have_url(re.compile(r"/accounting-documents/$"))
    settled(page)
    page.get_by_label("Поиск", exact=True).fill("сверки")
    expect(page).to_have_url(re.compile(r"q="))
    with page.expect_download() as document:
        page.get_by_role("link", name="Скачать «Акт сверки за 2026»").click()
    assert document.value.suggested_filename == "Акт сверки 2026.pdf"
    page.reload()
    expect(page.get_by_role("tab", name="Бухгалтерские документы")).to_have_attribute("aria-selected", "true")
    with page.expect_download() as excel:
        page.get_by_role("link", name="Excel").click()
    assert excel.value.suggested_filename.endswith(".xlsx")
