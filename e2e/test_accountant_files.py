"""The accountant's files in the browser, at 1440 and 375 px: three calendar rows ticked → «Платёжные
поручения для банка» downloads one 1CClientBankExchange file (read back by the strict parser); the
client's own акт сверки (БП 3.0's XLSX with three planted differences) uploaded, its columns confirmed,
and exactly those three differences shown."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from e2e.test_statement_schedule import _screenshot
from kabinet.organizations.models import SettlementAccount
from kabinet.testing import bank_exchange, client_acts
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()
YEAR = TODAY.year - 1
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def calendar(transactional_db, admin_a, org_a, products):
    SettlementAccount.objects.create(
        organization=org_a,
        bank_name="ПАО Сбербанк",
        bank_city="г. Москва",
        bic="044525225",
        account="40702810238000001234",
        correspondent_account="30101810400000000225",
        is_default=True,
        next_order_number=15,
    )
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00555")
    return [
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=10 * n), amount=Decimal("1000.00") * n
        )
        for n in range(1, 5)
    ]


def _payment_orders_journey(page, admin_a, lines):
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/dashboard/")
    expect(page.get_by_test_id("payment-orders-accounts")).to_contain_text("40702810238000001234")
    ticks = page.get_by_test_id("tick-payment")
    expect(ticks).to_have_count(4)
    for n in range(3):
        ticks.nth(n).check()
    bar = page.get_by_test_id("payment-orders")
    expect(bar).to_have_css("position", "sticky")
    _screenshot(page, f"payment-orders-{page.viewport_size['width']}")
    with page.expect_download(timeout=60_000) as download:
        bar.get_by_role("button", name="Платёжные поручения для банка").click()
    assert re.match(r"Платёжные поручения \d\d\.\d\d\.\d{4}\.txt", download.value.suggested_filename)
    parsed = bank_exchange.parse(Path(download.value.path()).read_bytes())
    assert [d["Номер"] for d in parsed.documents] == ["15", "16", "17"]
    assert sorted(Decimal(d["Сумма"]) for d in parsed.documents) == [
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("3000.00"),
    ]
    assert {d["ПлательщикСчет"] for d in parsed.documents} == {"40702810238000001234"}


def test_three_calendar_rows_become_payment_orders_at_1440(page, calendar, admin_a):
    _payment_orders_journey(page, admin_a, calendar)


def test_three_calendar_rows_become_payment_orders_at_375(phone_page, calendar, admin_a):
    _payment_orders_journey(phone_page, admin_a, calendar)


@pytest.fixture
def books(transactional_db, admin_a, org_a, products):
    return client_acts.leasing_books(org_a, products["auto"], YEAR)


def _compare_journey(page, admin_a, org, contract):
    rows = client_acts.planted_rows(org, contract, YEAR)
    content = client_acts.act_xlsx(
        rows,
        client="ООО «Альфа»",
        creditor="ООО «Лизинг»",
        start=date(YEAR, 1, 1),
        end=date(YEAR, 6, 30),
        opening=Decimal("0"),
    )
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/statements/compare/")
    page.get_by_label("Период с").fill(f"{YEAR}-01-01")
    page.get_by_label("по", exact=True).fill(f"{YEAR}-06-30")
    page.locator("#cmp-contract").fill("AL-26-00042")
    page.get_by_label("Ваш акт сверки или карточка счёта").set_input_files(
        files=[{"name": "Акт сверки.xlsx", "mimeType": XLSX, "buffer": content}]
    )
    page.get_by_test_id("compare-upload").click()
    expect(page.get_by_role("heading", name="Какой столбец что означает")).to_be_visible()
    expect(page.get_by_label("Дебет")).to_have_value("2")  # guessed from the header
    page.get_by_test_id("compare-run").click()
    expect(page.get_by_test_id("compare-summary")).to_contain_text("Расхождений: 3")
    differences = page.get_by_test_id("difference")
    expect(differences).to_have_count(3)
    expect(page.locator('[data-testid=difference][data-status="only_client"]')).to_contain_text("777")
    expect(page.locator('[data-testid=difference][data-status="only_books"]')).to_contain_text(f"05.06.{YEAR}")
    expect(page.locator('[data-testid=difference][data-status="differs"]')).to_contain_text("другая сумма")
    expect(page.get_by_test_id("balance-closing")).to_be_visible()
    _screenshot(page, f"reconciliation-{page.viewport_size['width']}")
    # Reopened from the list, it is the same comparison.
    page.goto(page.base_url + "/statements/compare/")
    page.get_by_role("link", name="Акт сверки.xlsx").click()
    expect(page.get_by_test_id("difference")).to_have_count(3)


def test_a_client_act_with_three_planted_differences_shows_exactly_those_at_1440(page, books, admin_a, org_a):
    _compare_journey(page, admin_a, org_a, books)


def test_a_client_act_with_three_planted_differences_shows_exactly_those_at_375(phone_page, books, admin_a, org_a):
    _compare_journey(phone_page, admin_a, org_a, books)
