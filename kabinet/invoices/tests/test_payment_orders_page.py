"""«Платёжные поручения для банка» from the pages: ticked calendar lines, contracts in debt and issued
invoices → one file; un-issued rows issued first in the same transaction; refusals in words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.invoices import services
from kabinet.invoices.models import Invoice
from kabinet.organizations.models import SettlementAccount
from kabinet.testing import bank_exchange
from kabinet.testing.factories import ContractFactory, DebtFactory, ScheduledPaymentFactory, pay_line
from kabinet.testing.html import parse

TODAY = timezone.localdate()
BIC, CORRESPONDENT = "044525225", "30101810400000000225"
ACCOUNT, OTHER = "40702810238000001234", "40702810638000005678"
URL = "/invoices/payment-orders/"


def _account(org, number=ACCOUNT, default=True):
    return SettlementAccount.objects.create(
        organization=org,
        bank_name="ПАО Сбербанк",
        bank_city="г. Москва",
        bic=BIC,
        account=number,
        correspondent_account=CORRESPONDENT,
        is_default=default,
        next_order_number=7,
    )


@pytest.fixture
def lines(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00101")
    return [
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=10 * n), amount=Decimal("1000.00") * n
        )
        for n in (1, 2, 3)
    ]


def test_ticked_calendar_rows_are_issued_and_paid_by_one_file(client_a, org_a, lines):
    _account(org_a)
    page = parse(client_a.get("/dashboard/"))
    ticks = page.find_all("input", data_testid="tick-payment")
    assert [t.get("value") for t in ticks] == [str(line.pk) for line in lines]
    assert all(t.get("form") == "payment-orders" for t in ticks)
    bar = page.find("form", id="payment-orders")
    assert bar.get("action") == URL and "Платёжные поручения для банка" in bar.text
    response = client_a.post(URL, {"payment": [line.pk for line in lines], "next": "/dashboard/"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=windows-1251"
    assert "attachment" in response["Content-Disposition"]
    parsed = bank_exchange.parse(response.content)
    invoices = list(Invoice.objects.filter(organization=org_a).order_by("issued_on", "sequence"))
    assert len(invoices) == 3
    assert [d["Номер"] for d in parsed.documents] == ["7", "8", "9"]
    assert sorted(Decimal(d["Сумма"]) for d in parsed.documents) == [
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("3000.00"),
    ]
    assert {d["НазначениеПлатежа"] for d in parsed.documents} == {i.purpose for i in invoices}
    assert SettlementAccount.objects.get(account=ACCOUNT).next_order_number == 10


def test_a_ticked_debt_row_and_an_issued_invoice_go_into_one_file(client_a, org_a, products, lines):
    _account(org_a)
    debtor = ContractFactory(organization=org_a, product=products["auto"], number="AL-DEBT-7")
    DebtFactory(contract=debtor, amount=Decimal("700.00"))
    page = parse(client_a.get("/dashboard/"))
    assert [t.get("value") for t in page.find_all("input", data_testid="tick-debt")] == [str(debtor.pk)]
    issued = services.payment_invoice_issue(org=org_a, payment_id=lines[0].pk)
    listed = parse(client_a.get("/invoices/"))
    assert [t.get("value") for t in listed.find_all("input", data_testid="tick-invoice")] == [str(issued.pk)]
    response = client_a.post(URL, {"contract": [debtor.pk], "invoice": [issued.pk]})
    assert response.status_code == 200
    documents = bank_exchange.parse(response.content).documents
    assert sorted(Decimal(d["Сумма"]) for d in documents) == [Decimal("700.00"), Decimal("1000.00")]
    assert Invoice.objects.filter(kind=Invoice.Kind.DEBT, contract=debtor).count() == 1


def test_several_accounts_offer_a_choice_and_the_chosen_one_pays(client_a, org_a, lines):
    _account(org_a)
    other = _account(org_a, OTHER, default=False)
    bar = parse(client_a.get("/dashboard/")).find("form", id="payment-orders")
    assert bar.find(data_testid="payment-orders-accounts").get("hx-get") == URL + "accounts/"
    options = (
        parse(client_a.get(URL + "accounts/")).find("select", data_testid="payment-orders-account").find_all("option")
    )
    assert [o.get("value") for o in options] == [str(SettlementAccount.objects.get(account=ACCOUNT).pk), str(other.pk)]
    response = client_a.post(URL, {"payment": [lines[0].pk], "account": other.pk})
    assert bank_exchange.parse(response.content).documents[0]["ПлательщикСчет"] == OTHER


@pytest.mark.parametrize(
    ("setup", "data", "said"),
    [
        ("none", {"payment": "first"}, "Сначала добавьте банковский счёт организации"),
        ("account", {}, "Отметьте счета"),
    ],
)
def test_refusals_come_back_to_the_page_in_words_and_issue_nothing(client_a, org_a, lines, setup, data, said):
    if setup == "account":
        _account(org_a)
    post = {"next": "/dashboard/", **dict.fromkeys(data, lines[0].pk)}
    response = client_a.post(URL, post, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert said in response.content.decode()
    assert not Invoice.objects.exists()


def test_an_invoice_paid_meanwhile_refuses_the_file_and_rolls_back_the_new_invoices(client_a, org_a, lines):
    _account(org_a)
    paid = services.payment_invoice_issue(org=org_a, payment_id=lines[0].pk)
    pay_line(lines[0], paid.amount)
    response = client_a.post(URL, {"invoice": [paid.pk], "payment": [lines[1].pk], "next": "/invoices/"}, follow=True)
    assert paid.number in response.content.decode()
    assert Invoice.objects.count() == 1  # the second line's invoice was not left issued
    assert SettlementAccount.objects.get(account=ACCOUNT).next_order_number == 7


def test_another_organizations_rows_are_a_404(client_a, org_a, org_b, contract_b):
    _account(org_a)
    line_b = ScheduledPaymentFactory(contract=contract_b, due_date=TODAY + timedelta(days=3))
    invoice_b = services.payment_invoice_issue(org=org_b, payment_id=line_b.pk)
    DebtFactory(contract=contract_b, amount=Decimal("5.00"))
    for data in ({"payment": line_b.pk}, {"invoice": invoice_b.pk}, {"contract": contract_b.pk}, {"payment": "x"}):
        assert client_a.post(URL, data).status_code == 404
    assert Invoice.objects.filter(organization=org_a).count() == 0


def test_a_get_writes_nothing_and_the_account_choice_is_the_organizations(client_a, org_a, org_b):
    assert client_a.get(URL).status_code == 405
    assert "Добавить банковский счёт организации" in client_a.get(URL + "accounts/").content.decode()
    _account(org_b)
    assert ACCOUNT not in client_a.get(URL + "accounts/").content.decode()
    _account(org_a, OTHER)
    assert f"Со счёта {OTHER}" in parse(client_a.get(URL + "accounts/")).text


def test_the_invoice_list_query_count_does_not_grow_with_rows(client_a, org_a, products):
    _account(org_a)
    _account(org_a, OTHER, default=False)
    contract = ContractFactory(organization=org_a, product=products["auto"])

    def issue(n):
        for k in range(n):
            line = ScheduledPaymentFactory(
                contract=contract, due_date=TODAY + timedelta(days=k + 1 + Invoice.objects.count() * 40)
            )
            services.payment_invoice_issue(org=org_a, payment_id=line.pk)

    issue(2)
    client_a.get("/invoices/")
    with CaptureQueriesContext(connection) as small:
        client_a.get("/invoices/")
    issue(8)
    with CaptureQueriesContext(connection) as large:
        response = client_a.get("/invoices/")
    assert len(parse(response).find_all("input", data_testid="tick-invoice")) == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_row_paid_or_settled_meanwhile_is_told_not_a_404(client_a, org_a, products, lines):
    _account(org_a)
    pay_line(lines[0], lines[0].amount)
    response = client_a.post(URL, {"payment": [lines[0].pk, lines[1].pk], "next": "/dashboard/"}, follow=True)
    assert "Платёж № 1 по договору № AL-26-00101 уже оплачен: снимите с него отметку." in response.content.decode()
    settled = ContractFactory(organization=org_a, product=products["auto"], number="AL-NO-DEBT")
    response = client_a.post(URL, {"contract": [settled.pk], "next": "/dashboard/"}, follow=True)
    assert "По договору № AL-NO-DEBT больше нет просроченной задолженности" in response.content.decode()
    assert not Invoice.objects.exists()
