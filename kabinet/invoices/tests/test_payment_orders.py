"""«Платёжные поручения для банка»: the chosen invoices as a 1CClientBankExchange file a bank client imports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.audit.presentation import describe_sentence
from kabinet.invoices import services
from kabinet.organizations.models import SettlementAccount
from kabinet.testing import bank_exchange
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory, pay_line

TODAY = timezone.localdate()
BIC, CORRESPONDENT, ACCOUNT = "044525225", "30101810400000000225", "40702810238000001234"


@pytest.fixture
def account(org_a):
    return SettlementAccount.objects.create(
        organization=org_a,
        bank_name="ПАО Сбербанк",
        bank_city="г. Москва",
        bic=BIC,
        account=ACCOUNT,
        correspondent_account=CORRESPONDENT,
        is_default=True,
        next_order_number=41,
    )


@pytest.fixture
def invoices(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    lines = [
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=5 * n), amount=Decimal(amount)
        )
        for n, amount in ((1, "99562.65"), (2, "120000.00"))
    ]
    return [services.payment_invoice_issue(org=org_a, payment_id=line.pk) for line in lines]


def test_a_bank_account_is_checked_like_the_creditors_requisites(org_a):
    wrong_key = SettlementAccount(
        organization=org_a,
        bank_name="Банк",
        bic=BIC,
        account="40702810338000001234",
        correspondent_account=CORRESPONDENT,
    )
    with pytest.raises(ValidationError) as error:
        wrong_key.full_clean()
    assert error.value.message_dict == {"account": ["Контрольный ключ счёта не сходится с БИК."]}
    other_bank = SettlementAccount(
        organization=org_a, bank_name="Банк", bic=BIC, account=ACCOUNT, correspondent_account="30101810400000000653"
    )
    with pytest.raises(ValidationError) as error:
        other_bank.full_clean()
    assert list(error.value.message_dict) == ["correspondent_account"]


@pytest.mark.django_db
def test_the_file_reads_back_with_every_required_key_and_the_invoices_own_figures(org_a, account, invoices, admin_a):
    data, count = services.payment_orders_write(
        org=org_a, invoice_ids=[i.pk for i in invoices], account_id=account.pk, first_number=41, actor=admin_a
    )
    assert count == 2
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    parsed = bank_exchange.parse(data)  # strict: windows-1251, CRLF, known keys, formats, required keys
    assert parsed.header["РасчСчет"] == ACCOUNT and parsed.header["ВерсияФормата"] == "1.03"
    assert [d["Номер"] for d in parsed.documents] == ["41", "42"]
    for document, invoice in zip(parsed.documents, invoices):
        supplier = invoice.snapshot["supplier"]
        assert document["Сумма"] == format(invoice.amount, "f")
        assert document["НазначениеПлатежа"] == invoice.purpose
        assert "В т.ч. НДС 22 % — " in document["НазначениеПлатежа"]
        assert document["Дата"] == TODAY.strftime("%d.%m.%Y")
        assert (document["ПлательщикСчет"], document["ПлательщикБИК"], document["ПлательщикКорсчет"]) == (
            ACCOUNT,
            BIC,
            CORRESPONDENT,
        )
        assert document["ПлательщикИНН"] == org_a.inn and document["ПлательщикБанк2"] == "г. Москва"
        assert (document["ПолучательСчет"], document["ПолучательБИК"], document["ПолучательИНН"]) == (
            supplier["settlement_account"],
            supplier["bic"],
            supplier["inn"],
        )
        assert document["Получатель1"] == supplier["name"]
        assert (document["ВидОплаты"], document["Очередность"]) == ("01", "5")
    account.refresh_from_db()
    assert account.next_order_number == 43
    event = AuditEvent.objects.get(action="payment_orders_written")
    sentence = describe_sentence(event).replace("\u00a0", " ").replace("\u202f", " ")
    assert sentence.startswith(f"Платёжные поручения для банка со счёта {ACCOUNT}: 2 на сумму 219 562,65")
    assert sentence.endswith(f"(счета {invoices[0].number}, {invoices[1].number}).")


@pytest.mark.django_db
def test_an_invoice_no_longer_to_pay_is_refused_by_number_and_nothing_is_written(org_a, account, invoices):
    pay_line(invoices[0].payment, invoices[0].amount)
    with pytest.raises(services.PaymentOrdersRefused) as refused:
        services.payment_orders_write(
            org=org_a, invoice_ids=[i.pk for i in invoices], account_id=account.pk, first_number=41
        )
    assert invoices[0].number in str(refused.value) and invoices[1].number not in str(refused.value)
    account.refresh_from_db()
    assert account.next_order_number == 41 and not AuditEvent.objects.filter(action="payment_orders_written").exists()


@pytest.mark.django_db
def test_another_organizations_invoice_or_account_is_never_used(org_a, org_b, account, invoices):
    foreign_account = SettlementAccount.objects.create(
        organization=org_b, bank_name="Банк", bic=BIC, account=ACCOUNT, correspondent_account=CORRESPONDENT
    )
    with pytest.raises(services.PaymentOrdersRefused, match="счёт, с которого"):
        services.payment_orders_write(
            org=org_a, invoice_ids=[invoices[0].pk], account_id=foreign_account.pk, first_number=1
        )
    with pytest.raises(services.PaymentOrdersRefused, match="Отметьте счета"):
        services.payment_orders_write(
            org=org_b, invoice_ids=[invoices[0].pk], account_id=foreign_account.pk, first_number=1
        )


def test_the_strict_reader_refuses_what_a_bank_would():
    good = "\r\n".join(
        [
            "1CClientBankExchange",
            "ВерсияФормата=1.03",
            "Кодировка=Windows",
            "Отправитель=x",
            "ДатаНачала=01.12.2026",
            "ДатаКонца=01.12.2026",
            f"РасчСчет={ACCOUNT}",
            "КонецФайла",
            "",
        ]
    )
    assert bank_exchange.parse(good.encode("cp1251")).documents == []
    for broken, why in (
        (good.replace("\r\n", "\n"), "CRLF"),
        (good.replace("Кодировка=Windows\r\n", ""), "lacks"),
        (good.replace("КонецФайла", "Конец"), "КонецФайла"),
        (good.replace("ДатаНачала=01.12.2026", "ДатаНачала=2026-12-01"), "format"),
        (good.replace("Отправитель=x", "Отправитель=x\r\nНеизвестно=1"), "unknown key"),
    ):
        with pytest.raises(bank_exchange.FormatError, match=why):
            bank_exchange.parse(broken.encode("cp1251"))
