import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.testing.factories import ContractFactory, DebtFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse


def _money(text: str) -> Decimal:
    return Decimal(text.replace("\u202f", "").replace("\u00a0₽", "").replace(",", "."))


def _calendar_rows(response) -> list[list[str]]:
    """The payment calendar's rows as shown (contract, date, amount, VAT, action), without «Показать ещё»."""
    tables = parse(response).find_all("table", id="calendar")
    return [row for row in tables[0].rows() if len(row) == 5] if tables else []


def _payment_actions(response) -> list[str]:
    """Each calendar row's invoice form address."""
    return [form.get("action") for form in parse(response).find("table", id="calendar").find_all("form")]


def _calendar_more(response) -> str:
    """The «Показать ещё» link of the calendar (its query string), or "" at the end."""
    more = parse(response).find_all("tr", id="calendar-more")
    return more[0].find("a").get("href") if more else ""


def _calendar(org_a, products, count):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-CAL-1")
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=1), amount=Decimal("7.00"))
    ScheduledPaymentFactory(
        contract=contract, number=2, due_date=today + timedelta(days=1), is_paid=True, amount=Decimal("8.00")
    )
    for n in range(count):
        ScheduledPaymentFactory(
            contract=contract, number=n + 10, due_date=today + timedelta(days=n + 2), amount=Decimal(100 + n)
        )
    return contract


def test_the_calendar_shows_the_next_ten_unpaid_payments(client_a, org_a, products):
    _calendar(org_a, products, 14)
    response = client_a.get("/dashboard/")
    assert [_money(row[2]) for row in _calendar_rows(response)] == [Decimal(100 + n) for n in range(10)]
    html = response.content.decode()
    assert "Платежный календарь" in html and "Показать ещё" in html


def test_the_calendar_tells_the_date_of_the_data(client_a, org_a, products):
    assert "Данные актуальны на" not in client_a.get("/dashboard/").content.decode()
    org_a.data_as_of = timezone.make_aware(datetime(2026, 9, 26, 12, 0))
    org_a.save()
    assert "Данные актуальны на 26.09.2026" in client_a.get("/dashboard/").content.decode()


def test_show_more_appends_the_next_rows_in_place(client_a, org_a, products):
    _calendar(org_a, products, 14)
    more = _calendar_more(client_a.get("/dashboard/"))
    response = client_a.get(f"/dashboard/{more}", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.count("<tr") == 4
    assert all(f"{110 + n},00" in html for n in range(4))
    assert "109,00" not in html
    assert "Показать ещё" not in html
    # Without JavaScript the same link shows the next rows.
    assert len(_calendar_rows(client_a.get(f"/dashboard/{more}"))) == 4


def test_the_calendar_is_scoped_to_the_organization(client_a, org_a, contract_b, products):
    ScheduledPaymentFactory(contract=contract_b, due_date=timezone.localdate() + timedelta(days=3))
    assert _calendar_rows(client_a.get("/dashboard/")) == []


def test_overdue_debt_is_shown_only_when_there_is_debt(client_a, org_a, products, contract_b):
    DebtFactory(contract=contract_b, amount=Decimal("999.00"))
    assert "Просроченная задолженность" not in client_a.get("/dashboard/").content.decode()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-DEBT-1")
    DebtFactory(contract=contract, amount=Decimal("100000.00"))
    html = client_a.get("/dashboard/").content.decode()
    assert "Просроченная задолженность" in html
    assert "100\u202f000,00\u00a0₽" in html and "AL-DEBT-1" in html and "Развернуть" in html


def test_the_dashboard_query_count_does_not_grow_with_rows(client_a, org_a, products):
    _calendar(org_a, products, 3)
    DebtFactory(contract=ContractFactory(organization=org_a, product=products["auto"]))
    client_a.get("/dashboard/")  # the header's cache is warm, as on every request but the first
    with CaptureQueriesContext(connection) as small:
        client_a.get("/dashboard/")
    for n in range(30):
        contract = ContractFactory(organization=org_a, product=products["auto"])
        ScheduledPaymentFactory(contract=contract, due_date=timezone.localdate() + timedelta(days=n + 1))
        DebtFactory(contract=contract)
    with CaptureQueriesContext(connection) as large:
        client_a.get("/dashboard/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_every_calendar_row_and_every_debt_row_offers_its_invoice(client_a, org_a, products):
    contract = _calendar(org_a, products, 3)
    DebtFactory(contract=contract, amount=Decimal("7.00"))
    response = client_a.get("/dashboard/")
    html = response.content.decode()
    unpaid = contract.payments.filter(is_paid=False, due_date__gte=timezone.localdate()).order_by("due_date")
    assert len(_calendar_rows(response)) == 3
    assert _payment_actions(response) == [f"/invoices/payment/{line.pk}/" for line in unpaid]
    assert f'<form method="post" action="/invoices/debt/{contract.pk}/"' in html
    assert html.count("Счёт на оплату задолженности") == 1


def test_the_calendar_invoice_and_debt_invoice_download_as_pdf(client_a, org_a, products):
    contract = _calendar(org_a, products, 1)
    DebtFactory(contract=contract, amount=Decimal("7.00"))
    action = _payment_actions(client_a.get("/dashboard/"))[0]
    response = client_a.post(action, follow=True)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    debt = client_a.post(f"/invoices/debt/{contract.pk}/", follow=True)
    assert b"".join(debt.streaming_content).startswith(b"%PDF")


def test_the_information_block_has_the_memo_the_rules_and_the_contacts(client_a, creditor):
    from django.core.files.base import ContentFile

    from kabinet.creditors.models import LeasingRulesEdition

    creditor.memo, creditor.phone, creditor.email = "Платите вовремя.", "8 800 222 0 555", "info@example.com"
    creditor.save()
    edition = LeasingRulesEdition(
        creditor=creditor, title="Правила 2026", effective_from=date(2026, 1, 1), original_name="Правила 2026.pdf"
    )
    edition.file.save("r.pdf", ContentFile(b"%PDF-1.4 rules"), save=False)
    edition.save()
    html = client_a.get("/dashboard/").content.decode()
    for text in (
        "Информация клиентам",
        "Памятка клиента",
        "Платите вовремя.",
        "Правила лизинга",
        "Правила 2026",
        "действует с 01.01.2026",
        "Контактные данные",
        "8 800 222 0 555",
        "info@example.com",
    ):
        assert text in html, text
    download = client_a.get(f"/reference/rules/{edition.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_the_reference_page_has_copyable_requisites_and_a_free_sum_qr(client_a, creditor):
    html = client_a.get("/reference/").content.decode()
    for value in (
        creditor.inn,
        creditor.kpp,
        creditor.bic,
        creditor.settlement_account,
        creditor.correspondent_account,
    ):
        assert f'data-copy="{value}"' in html
    assert "Платёжные реквизиты" in html
    # A standalone SVG image is only drawn by browsers when it declares the SVG namespace.
    match = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html)
    assert match
    src = match.group(1)
    svg = unquote(src.split(",", 1)[1])
    assert svg.startswith("<svg") and "xmlns='http://www.w3.org/2000/svg'" in svg.replace('"', "'")


def _debts(org_a, products, count):
    """`count` contracts in debt by the ledger (an overdue line each, some of equal amounts)."""
    today = timezone.localdate()
    contracts = []
    for n in range(count):
        contract = ContractFactory(organization=org_a, product=products["auto"], number=f"AL-D-{n:03d}")
        ScheduledPaymentFactory(contract=contract, due_date=today - timedelta(days=5), amount=Decimal(100 + n % 7))
        contracts.append(contract)
    return contracts


def _debt_more(html):
    found = re.search(r'hx-get="\?debt_after=([^"]+)"', html)
    return unquote(found.group(1)) if found else ""


def test_the_debt_block_shows_ten_contracts_and_show_more_walks_to_all(client_a, org_a, products):
    contracts = _debts(org_a, products, 25)
    response = client_a.get("/dashboard/")
    html = response.content.decode()
    page = parse(html)
    assert _money(page.find(data_testid="debt-total").text) == sum(
        (Decimal(100 + n % 7) for n in range(25)), Decimal(0)
    )
    assert "Договоров с просрочкой: 25" in html
    rows = [
        (_money(row.find(data_testid="debt-row").text), int(row.find("a").get("href").split("/")[2]))
        for row in page.find("table", id="debt").find("tbody").find_all("tr")
        if row.find_all(data_testid="debt-row")
    ]
    assert len(rows) == 10 and html.count('data-testid="debt-row"') == 10
    # Largest debt first; equal debts by contract.
    assert [(-amount, pk) for amount, pk in rows] == sorted((-amount, pk) for amount, pk in rows)
    seen = [pk for _amount, pk in rows]
    cursor = _debt_more(html)
    pages = 1
    while cursor:
        fragment = client_a.get("/dashboard/", {"debt_after": cursor}, headers={"HX-Request": "true"})
        part = fragment.content.decode()
        assert "<html" not in part and "Платежный календарь" not in part
        ids = [int(pk) for pk in re.findall(r'<a href="/contracts/(\d+)/">AL-D-', part)]
        assert part.count('data-testid="debt-row"') == len(ids) <= 10
        seen += ids
        cursor = _debt_more(part)
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25 and set(seen) == {c.pk for c in contracts}
    amounts = {c.pk: Decimal(100 + n % 7) for n, c in enumerate(contracts)}
    assert seen == sorted(seen, key=lambda pk: (-amounts[pk], pk))


def test_show_more_of_the_debt_works_without_javascript(client_a, org_a, products):
    _debts(org_a, products, 12)
    cursor = _debt_more(client_a.get("/dashboard/").content.decode())
    response = client_a.get("/dashboard/", {"debt_after": cursor})
    html = response.content.decode()
    assert "<html" in html and '<details class="mt-2" open>' in html
    assert html.count('data-testid="debt-row"') == 2 and "Договоров с просрочкой: 12" in html
    assert "Показать ещё" not in html.split('id="debt"')[1].split("</table>")[0]


def test_the_debt_fragment_query_count_does_not_grow_with_contracts(client_a, org_a, products):
    _debts(org_a, products, 12)
    client_a.get("/dashboard/")
    cursor = _debt_more(client_a.get("/dashboard/").content.decode())
    with CaptureQueriesContext(connection) as small:
        client_a.get("/dashboard/", {"debt_after": cursor}, headers={"HX-Request": "true"})
    for _ in range(40):
        contract = ContractFactory(organization=org_a, product=products["auto"])
        ScheduledPaymentFactory(contract=contract, due_date=timezone.localdate() - timedelta(days=3))
    cursor = _debt_more(client_a.get("/dashboard/").content.decode())
    with CaptureQueriesContext(connection) as large:
        response = client_a.get("/dashboard/", {"debt_after": cursor}, headers={"HX-Request": "true"})
    assert response.content.decode().count('data-testid="debt-row"') == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_debt_pages_show_nothing_of_another_organization(client_a, org_a, products, contract_b):
    ScheduledPaymentFactory(contract=contract_b, due_date=timezone.localdate() - timedelta(days=2), amount=100)
    _debts(org_a, products, 11)
    html = client_a.get("/dashboard/").content.decode()
    assert "Договоров с просрочкой: 11" in html
    part = client_a.get("/dashboard/", {"debt_after": _debt_more(html)}, headers={"HX-Request": "true"})
    assert contract_b.number not in html + part.content.decode()
    assert part.content.decode().count('data-testid="debt-row"') == 1
