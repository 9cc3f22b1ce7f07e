"""The contract card tells what its money figures mean; unknown figures read «нет данных», never 0,00 ₽."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory


def test_the_card_explains_the_contract_amount_and_what_remains(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], amount=Decimal("1200000"))
    ScheduledPaymentFactory(contract=contract, number=1, amount=Decimal("100000"))
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Все платежи по условиям договора с НДС, включая выкупной платёж." in html
    assert "Неоплаченная часть графика платежей с НДС, включая выкупной платёж" in html


def test_without_a_schedule_the_figures_read_no_data(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], amount=Decimal("0"), status="no_data")
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    main = html.split('data-testid="remaining"')[1].split("</dd>")[0]
    assert "нет данных" in main and "0,00" not in main
    assert "0,00" not in html.split('data-testid="contract-amount"')[1].split("</dd>")[0]
    listing = client_a.get("/contracts/").content.decode()
    assert "нет данных" in listing and "0,00\u00a0₽" not in listing


def test_the_schedule_shows_what_was_paid_and_when(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    today = timezone.localdate()
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=today - timedelta(days=40),
        amount=Decimal("50000.00"),
        paid_amount=Decimal("50000.00"),
        paid_date=date(2026, 1, 15),
    )
    ScheduledPaymentFactory(
        contract=contract,
        number=2,
        due_date=today - timedelta(days=10),
        amount=Decimal("50000.00"),
        paid_amount=Decimal("30000.00"),
    )
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    amounts = [cell.split("</td>")[0] for cell in html.split('data-testid="paid-amount"')[1:]]
    dates = [cell.split("</td>")[0] for cell in html.split('data-testid="paid-date"')[1:]]
    assert amounts[0].endswith("50\u202f000,00") and amounts[1].endswith("30\u202f000,00")
    # The date a payment was paid in full; a part-paid one has none yet.
    assert "15.01.2026" in dates[0] and "—" in dates[1]
    assert "Оплачено, ₽" in html and "Дата оплаты" in html and "Дата поступления" in html
