"""Invoices: PDF content, the ГОСТ Р 56042 QR read back by a real decoder, numbering, amounts."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pypdfium2
import pytest
import zxingcpp
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kabinet.contracts.models import ScheduledPayment
from kabinet.core import qr
from kabinet.core.money import amount_in_words, vat_included, vat_rate_on
from kabinet.invoices import services
from kabinet.invoices.models import Invoice
from kabinet.testing.factories import ContractFactory, DebtFactory, ScheduledPaymentFactory


@pytest.fixture
def contract(org_a, products):
    org_a.kpp, org_a.legal_address, org_a.full_name = "780101001", "г. Санкт-Петербург, Невский пр-кт, д. 1", ""
    org_a.save()
    return ContractFactory(
        organization=org_a,
        product=products["auto"],
        number="AL-26-00042",
        signed_on=timezone.localdate() - timedelta(days=100),
    )


@pytest.fixture
def payment(contract):
    return ScheduledPaymentFactory(
        contract=contract,
        number=7,
        due_date=timezone.localdate() + timedelta(days=10),
        amount=Decimal("99562.65"),
        vat_rate=Decimal("22"),
    )


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def pdf_qr(content: bytes) -> str:
    page = pypdfium2.PdfDocument(content)[0]
    image = page.render(scale=4).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, "exactly one QR code on the invoice"
    return codes[0].text


def test_the_pdf_has_the_requisites_the_amount_and_the_words(org_a, payment, creditor):
    invoice = services.payment_invoice_issue(org=org_a, payment_id=payment.pk)
    text = pdf_text(services.invoice_pdf(invoice))
    for fragment in (
        f"Счёт на оплату № {invoice.number}",
        creditor.name,
        creditor.inn,
        creditor.kpp,
        creditor.bic,
        creditor.settlement_account,
        creditor.correspondent_account,
        creditor.bank_name,
        org_a.name,
        org_a.inn,
        org_a.kpp,
        "AL-26-00042",
        "99 562,65",
        "17 953,92",
        "Девяносто девять тысяч пятьсот шестьдесят два рубля 65 копеек",
        "22 %",
    ):
        assert fragment in text.replace("\u202f", " ").replace("\u00a0", " "), fragment


def test_the_qr_code_read_from_the_pdf_has_every_field_of_the_standard(org_a, payment, creditor):
    invoice = services.payment_invoice_issue(org=org_a, payment_id=payment.pk)
    payload = pdf_qr(services.invoice_pdf(invoice))
    assert payload.startswith("ST00012|Name=")
    fields = qr.parse_payload(payload)
    assert list(fields)[:5] == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]
    assert fields["Name"] == creditor.name
    assert fields["PersonalAcc"] == creditor.settlement_account
    assert fields["BankName"] == creditor.bank_name
    assert fields["BIC"] == creditor.bic
    assert fields["CorrespAcc"] == creditor.correspondent_account
    assert fields["PayeeINN"] == creditor.inn and fields["KPP"] == creditor.kpp
    assert fields["Sum"] == "9956265"
    assert fields["PayerINN"] == org_a.inn and fields["Contract"] == "AL-26-00042"
    assert fields["Purpose"] == invoice.purpose
    assert "AL-26-00042" in fields["Purpose"] and "НДС 22 %" in fields["Purpose"] and len(fields["Purpose"]) <= 210


def test_long_values_are_shortened_at_a_word_not_broken():
    name = "Публичное акционерное общество Сбербанк России, Северо-Западный банк, дополнительный офис"
    short = qr.shorten(name, 45)
    assert len(short) <= 45 and name.startswith(short) and name[len(short)] in " ,"
    payload = qr.payment_payload(
        name="ООО «Тест»",
        account="40702810755000012345",
        bank_name=name,
        bic="044030653",
        correspondent_account="30101810500000000653",
        payee_inn="7812345675",
        kpp="783801001",
        amount=Decimal("1.00"),
        purpose="A|B" * 200,
    )
    fields = qr.parse_payload(payload)
    assert len(fields["BankName"]) <= 45 and len(fields["Purpose"]) <= 210 and "|" not in fields["Purpose"]


def test_asking_twice_for_a_payment_gives_the_same_invoice_and_numbers_run_in_sequence(org_a, contract, payment):
    first = services.payment_invoice_issue(org=org_a, payment_id=payment.pk)
    assert services.payment_invoice_issue(org=org_a, payment_id=payment.pk).pk == first.pk
    other = ScheduledPaymentFactory(contract=contract, number=8, due_date=payment.due_date + timedelta(days=30))
    second = services.payment_invoice_issue(org=org_a, payment_id=other.pk)
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"{year}-000001", f"{year}-000002")
    assert second.sequence == first.sequence + 1


def test_a_paid_payment_or_no_debt_has_no_invoice(org_a, contract):
    paid = ScheduledPaymentFactory(contract=contract, is_paid=True, paid_amount=Decimal("100000.00"))
    with pytest.raises(services.NothingToInvoice):
        services.payment_invoice_issue(org=org_a, payment_id=paid.pk)
    with pytest.raises(services.NothingToInvoice):
        services.debt_invoice_issue(org=org_a, contract_id=contract.pk)


def test_a_debt_invoice_splits_vat_by_the_rates_of_the_overdue_payments(org_a, contract):
    today = timezone.localdate()
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=today - timedelta(days=40),
        amount=Decimal("120.00"),
        vat_rate=Decimal("20"),
    )
    ScheduledPaymentFactory(
        contract=contract,
        number=2,
        due_date=today - timedelta(days=10),
        amount=Decimal("122.00"),
        vat_rate=Decimal("22"),
    )
    DebtFactory(contract=contract, amount=Decimal("242.00"), as_of=today)
    invoice = services.debt_invoice_issue(org=org_a, contract_id=contract.pk)
    assert invoice.kind == Invoice.Kind.DEBT and invoice.amount == Decimal("242.00")
    assert invoice.vat == [{"rate": "20", "amount": "20.00"}, {"rate": "22", "amount": "22.00"}]
    assert services.debt_invoice_issue(org=org_a, contract_id=contract.pk).pk == invoice.pk
    text = pdf_text(services.invoice_pdf(invoice))
    assert "Двести сорок два рубля 00 копеек" in text


def test_vat_rates_follow_the_table_in_settings(settings):
    from datetime import date

    assert vat_rate_on(date(2025, 12, 31)) == Decimal("20")
    assert vat_rate_on(date(2026, 1, 1)) == Decimal("22")
    settings.VAT_RATES = [("2030-01-01", "25"), ("2026-01-01", "22"), (None, "20")]
    assert vat_rate_on(date(2030, 6, 1)) == Decimal("25")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1.00", "Один рубль 00 копеек"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.21", "Пять рублей 21 копейка"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("1234.56", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("1000000.00", "Один миллион рублей 00 копеек"),
        ("0.99", "Ноль рублей 99 копеек"),
    ],
)
def test_amounts_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
    rate=st.sampled_from([Decimal("20"), Decimal("22"), Decimal("10")]),
)
def test_the_calendar_the_card_and_the_invoice_agree_to_the_kopeck(django_db_blocker, amount, rate):
    with django_db_blocker.unblock():
        from django.db import transaction

        from kabinet.testing.factories import CreditorFactory, OrganizationFactory, ProductFactory

        with transaction.atomic():
            org = OrganizationFactory()
            contract = ContractFactory(organization=org, product=ProductFactory(creditor=CreditorFactory()))
            payment = ScheduledPaymentFactory(
                contract=contract, amount=amount, vat_rate=rate, due_date=timezone.localdate() + timedelta(days=3)
            )
            # The figures are the point here; the PDF is rendered by the other tests.
            with mock.patch.object(services, "store_pdf"):
                invoice = services.payment_invoice_issue(org=org, payment_id=payment.pk)
            row = ScheduledPayment.objects.get(pk=payment.pk)
            assert invoice.amount == row.outstanding == amount
            assert Decimal(invoice.vat[0]["amount"]) == row.outstanding_vat == row.vat == vat_included(amount, rate)
            assert row.vat == (amount * rate / (100 + rate)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test (CI runs it there)")
def test_concurrent_requests_get_distinct_sequential_numbers_and_one_invoice_per_payment(org_a, contract):
    payments = [
        ScheduledPaymentFactory(contract=contract, number=n, due_date=timezone.localdate() + timedelta(days=n))
        for n in range(1, 9)
    ]
    results, errors = [], []
    barrier = threading.Barrier(8)

    def work(payment_id):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(services.payment_invoice_issue(org=org_a, payment_id=payment_id).number)
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    # Two threads for each of four payments: four invoices, numbered 1..4 without gaps or doubles.
    threads = [threading.Thread(target=work, args=(payments[i % 4].pk,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = timezone.localdate().year
    assert sorted(set(results)) == [f"{year}-{n:06d}" for n in range(1, 5)]
    assert Invoice.objects.count() == 4
