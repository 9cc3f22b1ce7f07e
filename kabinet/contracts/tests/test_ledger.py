"""The ledger end to end: the integration API writes it, every page, file and invoice reads it.

The tests named `test_bug_*` reproduce the defects the books had before the ledger; each fails on the code
before it (phantom payments, ids changing, stale debt, penalties nowhere, repeated rows,
float money on SQLite)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.appeals.models import Appeal
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, PaymentReceived, Penalty, ScheduledPayment
from kabinet.core.xlsx import read_workbook
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse
from kabinet.testing.pages import calendar_more, calendar_rows, card_figures, debt_rows, debt_total, schedule_numbers

TODAY = timezone.localdate()


@pytest.fixture
def api(db):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


@pytest.fixture
def contract(org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-L-1", external_id="L-1")


def schedule(n=6, amount="1000.00", first=-75, step=30):
    rows = []
    for k in range(1, n + 1):
        due = TODAY + timedelta(days=first + step * (k - 1))
        rate = "22" if due.year >= 2026 else "20"
        rows.append({"number": k, "due_date": str(due), "amount": amount, "vat_rate": rate})
    return rows


def pay(api, external_id, amount, *, contract="L-1", on=None, allocations=None):
    row = {"external_id": external_id, "contract": contract, "received_on": str(on or TODAY), "amount": amount}
    if allocations is not None:
        row["allocations"] = allocations
    response = post(api, "/api/v1/payments/", {"payments": [row]})
    assert response.status_code == 200, response.content
    return response


def money(html: str) -> str:
    return html.replace("\u202f", " ").replace("\u00a0", " ")


def test_bug_a_line_removed_by_the_books_disappears_everywhere_even_with_an_invoice(api, contract, client_a):
    """Before: a row an invoice was opened for was never deleted («deleted: 0»), a phantom payment."""
    assert put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()}).status_code == 200
    last = ScheduledPayment.objects.get(contract=contract, number=6)
    assert client_a.post(f"/invoices/payment/{last.pk}/").status_code == 302  # an invoice is issued for it
    answer = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()[:5]}).json()
    assert answer["deleted"] == 1
    assert not ScheduledPayment.objects.filter(pk=last.pk).exists()
    card = ledger.contract_ledger(contract)
    assert card.schedule_total == Decimal("5000.00") and len(card.lines) == 5
    assert schedule_numbers(client_a.get(f"/contracts/{contract.pk}/")) == [str(line.number) for line in card.lines]
    sheet = read_workbook(client_a.get(f"/contracts/{contract.pk}/schedule.xlsx").content).active
    assert [row[0].value for row in sheet.iter_rows(min_row=3)][:-1] == [1, 2, 3, 4, 5]
    ics = client_a.get(f"/contracts/{contract.pk}/schedule.ics").content.decode()
    assert "L-1-6@" not in ics and "L-1-5@" in ics
    from kabinet.invoices.models import Invoice

    invoice = Invoice.objects.get(contract=contract)
    assert invoice.payment_id is None  # the issued invoice stays as a document
    assert client_a.get(f"/invoices/{invoice.pk}/").status_code == 200


def test_bug_a_changed_line_keeps_its_id_and_its_calendar_uid(api, contract, client_a, settings):
    """Before: a changed row was deleted and inserted again (new id, new UID, broken invoice links)."""
    settings.PORTAL_HOST = "lk.example.ru"
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    before = dict(ScheduledPayment.objects.filter(contract=contract).values_list("number", "pk"))
    rows = schedule()
    rows[3]["amount"] = "1500.00"
    rows[4]["due_date"] = str(TODAY + timedelta(days=100))
    answer = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows}).json()
    assert (answer["updated"], answer["created"], answer["deleted"]) == (2, 0, 0)
    assert dict(ScheduledPayment.objects.filter(contract=contract).values_list("number", "pk")) == before
    assert ScheduledPayment.objects.get(pk=before[4]).amount == Decimal("1500.00")
    first = client_a.get(f"/contracts/{contract.pk}/schedule.ics", HTTP_HOST="127.0.0.1").content.decode()
    second = client_a.get(f"/contracts/{contract.pk}/schedule.ics", HTTP_HOST="localhost").content.decode()
    uids = [line for line in first.splitlines() if line.startswith("UID:")]
    assert "UID:L-1-5@lk.example.ru" in uids
    assert uids == [line for line in second.splitlines() if line.startswith("UID:")]


def test_bug_a_payment_by_api_changes_the_debt_block_the_card_and_the_debt_invoice_at_once(api, contract, client_a):
    """Before: the debt block came from a separate row that payments never touched. The books' figure of
    yesterday rolls forward: a payment received today lowers the headline, the card and the invoice."""
    yesterday = TODAY - timedelta(days=1)
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    put(api, "/api/v1/contracts/L-1/debt/", {"amount": "3000.00", "as_of": str(yesterday)})
    page = client_a.get("/dashboard/")
    assert debt_total(page) == Decimal("3000.00")
    pay(api, "PP-1", "1200.00")
    page = client_a.get("/dashboard/")
    assert debt_total(page) == Decimal("1800.00")
    row = ledger.org_debt(contract.organization).rows[0]
    # The books' figure stays visible with its date; it agreed with the portal's on its date.
    assert row.books_check is not None
    assert row.books_check.books_total == Decimal("3000.00") and row.books_check.difference == Decimal("0.00")
    assert f"по данным учёта на {yesterday:%d.%m.%Y}" in page.content.decode()
    card = ledger.contract_card(contract)
    assert (card.debt, card.overdue, card.remaining) == (Decimal("1800.00"), Decimal("1800.00"), Decimal("4800.00"))
    assert card_figures(client_a.get(f"/contracts/{contract.pk}/")) == (Decimal("4800.00"), Decimal("1800.00"))
    from kabinet.invoices.models import Invoice

    assert client_a.post(f"/invoices/debt/{contract.pk}/").status_code == 302
    assert Invoice.objects.get(kind="debt").amount == Decimal("1800.00")


def test_the_books_debt_figure_that_agrees_is_shown_without_a_difference(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    answer = put(api, "/api/v1/contracts/L-1/debt/", {"amount": "3000.00", "as_of": str(TODAY)}).json()
    assert answer["difference"] == "0.00"
    html = client_a.get("/dashboard/").content.decode()
    assert f"по данным учёта на {TODAY:%d.%m.%Y}" in html and "Не детализировано учётом" not in html


def test_bug_the_card_and_the_main_page_agree_on_debt_for_every_organization(api, org_b, user_b, products, client_a):
    """Before: the card said «Просрочено 857 111,12», the main page showed no debt and a 404 invoice."""
    ContractFactory(organization=org_b, product=products["auto"], number="B-1", external_id="B-1")
    put(api, "/api/v1/contracts/B-1/schedule/", {"payments": schedule(amount="428555.56", first=-45)})
    client = Client()
    client.force_login(user_b)
    contract = Contract.objects.get(external_id="B-1")
    _remaining, overdue = card_figures(client.get(f"/contracts/{contract.pk}/"))
    page = client.get("/dashboard/")
    assert overdue == debt_total(page) == Decimal("857111.12") == debt_rows(page)[0][1]
    assert client.get(f"/invoices/debt/{contract.pk}/").status_code == 200
    assert client.post(f"/invoices/debt/{contract.pk}/").status_code == 302
    assert client_a.get(f"/invoices/debt/{contract.pk}/").status_code == 404  # another organization
    assert client_a.post(f"/invoices/debt/{contract.pk}/").status_code == 404


def test_bug_penalties_sent_through_the_api_appear_on_the_card_main_page_and_debt_invoice(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    penalty = {
        "external_id": "PEN-1",
        "contract": "L-1",
        "accrued_on": str(TODAY - timedelta(days=1)),
        "amount": "45.50",
        "basis": "0,1 % в день",
        "number": 1,
    }
    assert post(api, "/api/v1/penalties/", {"penalties": [penalty]}).status_code == 200
    card = client_a.get(f"/contracts/{contract.pk}/")
    assert card_figures(card)[1] == Decimal("3045.50")
    assert "в том числе пени 45,50" in money(card.content.decode())
    assert debt_total(client_a.get("/dashboard/")) == Decimal("3045.50")
    debt = ledger.org_debt(contract.organization)
    assert [(line.rate, line.amount) for line in debt.rows[0].lines][-1] == (None, Decimal("45.50"))
    from kabinet.invoices.models import Invoice

    client_a.post(f"/invoices/debt/{contract.pk}/")
    assert Invoice.objects.get(kind="debt").amount == Decimal("3045.50")
    # Paying them: explicitly allocated by the books.
    pay(api, "PP-P", "45.50", allocations=[{"penalty": "PEN-1", "amount": "45.50"}])
    assert Penalty.objects.get(external_id="PEN-1").is_paid
    penalty["amount"] = "0"  # written off: a dated credit entry, the penalty itself stays (the акт shows both)
    answer = post(api, "/api/v1/penalties/", {"penalties": [penalty]}).json()
    assert answer == {"created": 0, "updated": 0, "deleted": 0, "written_off": 1, "unchanged": 0}
    written = Penalty.objects.get(external_id="PEN-1")
    assert (written.written_off_on, written.is_paid, written.paid_amount) == (TODAY, True, Decimal("0.00"))
    assert client_a.get(f"/contracts/{contract.pk}/").status_code == 200
    assert ledger.contract_card(contract).penalties_outstanding == 0


def test_bug_show_more_walks_every_row_once(org_a, products, client_a):
    """Before: «Показать еще» repeated rows after 200 (260 rows shown, 200 distinct)."""
    contracts = [ContractFactory(organization=org_a, product=products["auto"]) for _ in range(7)]
    for n in range(210):
        # Many rows share a due date: the key (due date, id) still orders them totally.
        ScheduledPaymentFactory(contract=contracts[n % 7], number=n + 1, due_date=TODAY + timedelta(days=n // 9))
    seen, more, pages = [], "", 0
    while True:
        page = client_a.get(f"/dashboard/{more}")
        seen += [pk for pk, _outstanding in calendar_rows(page)]
        more, pages = calendar_more(page), pages + 1
        if not more:
            break
    assert len(seen) == len(set(seen)) == 210 and pages == 21
    expected = list(ScheduledPayment.objects.for_org(org_a).order_by("due_date", "id").values_list("pk", flat=True))
    assert seen == expected


def test_bug_the_largest_amount_is_exact_and_the_contract_list_answers(api, contract, client_a):
    """Before: SQLite stored money as a float; the largest amount came back changed and /contracts/ was a 500.
    The largest amount is 9 999 999 999 999,99 (15 significant digits, what a spreadsheet holds exactly)."""
    largest = "9999999999999.99"
    base = {"organization": contract.organization.external_id, "product": None, "number": "BIG-1"}
    contract.organization.external_id = "ORG-A"
    contract.organization.save()
    contract.product.external_id = "P-A"
    contract.product.save()
    base.update(organization="ORG-A", product="P-A", status="active", amount=largest)
    assert put(api, "/api/v1/contracts/BIG-1/", base).status_code == 201
    rows = [{"number": 1, "due_date": str(TODAY + timedelta(days=3)), "amount": largest, "vat_rate": "22"}]
    assert put(api, "/api/v1/contracts/BIG-1/schedule/", {"payments": rows}).status_code == 200
    big = Contract.objects.get(external_id="BIG-1")
    assert big.amount == Decimal(largest)
    line = ScheduledPayment.objects.get(contract=big)
    assert line.amount == Decimal(largest) and line.vat_amount == Decimal("1803278688524.59")
    response = client_a.get("/contracts/")
    assert response.status_code == 200 and "9 999 999 999 999,99" in money(response.content.decode())
    assert ledger.contract_ledger(big).remaining == Decimal(largest)
    too_big = put(api, "/api/v1/contracts/BIG-2/", {**base, "number": "BIG-2", "amount": "10000000000000.00"})
    assert too_big.status_code == 400 and "amount" in too_big.json()
    kopeck_more = put(api, "/api/v1/contracts/BIG-2/", {**base, "number": "BIG-2", "amount": "1.001"})
    assert kopeck_more.status_code == 400 and "amount" in kopeck_more.json()


def test_a_reversed_payment_stops_paying_and_the_statement_shows_both(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    pay(api, "PP-1", "2000.00", on=TODAY - timedelta(days=10))
    assert ledger.contract_ledger(contract).overdue == Decimal("1000.00")
    bad = post(api, "/api/v1/payments/PP-1/reversal/", {"reversed_on": str(TODAY - timedelta(days=20))})
    assert bad.status_code == 400 and "reversed_on" in bad.json()
    assert post(api, "/api/v1/payments/NOPE/reversal/", {"reversed_on": str(TODAY)}).status_code == 404
    assert post(api, "/api/v1/payments/PP-1/reversal/", {"reversed_on": str(TODAY)}).status_code == 200
    assert ledger.contract_ledger(contract).overdue == Decimal("3000.00")
    assert debt_total(client_a.get("/dashboard/")) == Decimal("3000.00")
    report = ledger.statement(contract.organization, start=TODAY - timedelta(days=15), end=TODAY, contract=contract)
    assert [(e.kind, e.debit, e.credit) for e in report.entries if e.kind in ("payment", "reversal")] == [
        ("payment", Decimal("0.00"), Decimal("2000.00")),
        ("reversal", Decimal("2000.00"), Decimal("0.00")),
    ]
    assert report.closing == report.opening + report.debit_total - report.credit_total
    assert report.closing == Decimal("3000.00")  # three lines due up to today, nothing paid


def test_the_books_allocation_is_kept_and_the_rest_pays_the_oldest_lines(api, contract):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    pay(api, "PP-1", "1500.00", allocations=[{"number": 5, "amount": "1000.00"}])
    lines = {p.number: p for p in ScheduledPayment.objects.filter(contract=contract)}
    assert lines[5].is_paid and lines[1].paid_amount == Decimal("500.00") and not lines[1].is_paid
    wrong = post(
        api,
        "/api/v1/payments/",
        {
            "payments": [
                {
                    "external_id": "PP-2",
                    "contract": "L-1",
                    "received_on": str(TODAY),
                    "amount": "10.00",
                    "allocations": [{"number": 1, "amount": "20.00"}],
                }
            ]
        },
    )
    assert wrong.status_code == 400 and "payments" in wrong.json()
    missing = post(api, "/api/v1/payments/", {"payments": [{"external_id": "PP-3", "contract": "L-1"}]})
    assert missing.status_code == 400
    assert {"received_on", "amount"} <= set(missing.json()["payments"]["0"]), missing.json()


def test_the_schedule_refuses_a_vat_rate_out_of_the_table_and_takes_paid_figures_only_as_deprecated(api, contract):
    row = {"number": 1, "due_date": "2026-12-15", "amount": "100.00", "vat_rate": "20"}
    refused = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": [row]})
    assert refused.status_code == 400 and "vat_rate" in str(refused.json())
    flagged = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": [row], "allow_vat_mismatch": True})
    assert flagged.status_code == 200
    assert flagged.json()["warnings"] == [{"number": 1, "vat_rate": "20.00", "expected": "22"}]
    # A paid figure on a line is the 0.1.0 body: still taken (as a payment received) until its end date,
    # and said to be deprecated; the new body never carries one.
    paid = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": [{**row, "vat_rate": "22", "paid_amount": "1"}]})
    assert paid.status_code == 200 and paid["Deprecation"] and paid["Sunset"]
    assert "Deprecation" not in flagged


def test_a_negative_adjustment_is_a_credit_and_a_positive_one_a_charge(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    rows = [
        {"external_id": "ADJ-1", "contract": "L-1", "date": str(TODAY - timedelta(days=5)), "amount": "-400.00"},
        {"external_id": "ADJ-2", "contract": "L-1", "date": str(TODAY - timedelta(days=2)), "amount": "100.00"},
    ]
    assert post(api, "/api/v1/adjustments/", {"adjustments": rows}).status_code == 200
    card = ledger.contract_ledger(contract)
    assert card.overdue == Decimal("2700.00") and card.remaining == Decimal("5700.00")
    assert debt_total(client_a.get("/dashboard/")) == Decimal("2700.00")


def test_the_row_copies_equal_the_ledger_after_every_write(api, contract):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    pay(api, "PP-1", "1700.00")
    pay(api, "PP-2", "300.00", allocations=[{"number": 4, "amount": "300.00"}])
    rows = schedule()
    rows[0]["amount"] = "500.00"
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows})
    card = ledger.contract_ledger(contract)
    stored = {p.pk: (p.paid_amount, p.paid_date, p.is_paid) for p in ScheduledPayment.objects.filter(contract=contract)}
    assert stored == {p.pk: (p.paid_amount, p.paid_date, p.is_paid) for p in card.lines}
    assert stored[card.lines[0].pk][0] == Decimal("500.00")


def test_early_buyout_value_for_a_picked_date_and_the_request(api, contract, client_a):
    assert "Досрочный выкуп" not in client_a.get(f"/contracts/{contract.pk}/").content.decode()
    values = [
        {"date": str(TODAY), "amount": "900000.00"},
        {"date": str(TODAY + timedelta(days=30)), "amount": "850000.00"},
        {"date": str(TODAY + timedelta(days=60)), "amount": "800000.00"},
    ]
    assert put(api, "/api/v1/contracts/L-1/buyout/", {"values": values}).status_code == 200
    page = client_a.get(f"/contracts/{contract.pk}/", {"buyout_on": str(TODAY + timedelta(days=40))})
    assert "850\u202f000,00\u00a0₽" in parse(page).find(data_testid="buyout-value").text
    assert "Запросить досрочный выкуп" in page.content.decode()
    response = client_a.post(
        f"/contracts/{contract.pk}/buyout-request/", {"buyout_on": str(TODAY + timedelta(days=40))}
    )
    appeal = Appeal.objects.get()
    assert (
        response.status_code == 302
        and appeal.topic is not None
        and appeal.topic.name == "Досрочный выкуп"
        and appeal.contract == contract
    )
    assert appeal.data["buyout_value"] == "850000.00" and "850 000,00" in money(appeal.description)


def test_another_organizations_buyout_and_calendar_are_404(client_a, org_b, products, api):
    other = ContractFactory(organization=org_b, product=products["auto"], external_id="B-9")
    put(api, "/api/v1/contracts/B-9/buyout/", {"values": [{"date": str(TODAY), "amount": "1.00"}]})
    assert client_a.post(f"/contracts/{other.pk}/buyout-request/", {}).status_code == 404
    assert client_a.get(f"/contracts/{other.pk}/schedule.ics").status_code == 404


def test_a_contract_without_unpaid_payments_offers_no_calendar(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule(n=2)})
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    assert "schedule.ics" in html
    ics = client_a.get(f"/contracts/{contract.pk}/schedule.ics").content.decode()
    assert "X-WR-CALNAME:Платежи по договору № AL-L-1" in ics and "Лизинговый платёж" in ics
    pay(api, "PP-ALL", "2000.00")
    html = client_a.get(f"/contracts/{contract.pk}/").content.decode()
    assert "schedule.ics" not in html
    assert client_a.get(f"/contracts/{contract.pk}/schedule.ics").status_code == 404


def test_the_payments_api_is_in_the_openapi_document(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/payments/",
        "/api/v1/payments/{external_id}/reversal/",
        "/api/v1/penalties/",
        "/api/v1/adjustments/",
        "/api/v1/contracts/{external_id}/buyout/",
    ):
        assert path in schema["paths"], path


def test_a_payment_of_another_organizations_contract_cannot_be_moved(api, contract, org_b, products):
    ContractFactory(organization=contract.organization, product=products["auto"], external_id="L-2", number="AL-L-2")
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule()})
    pay(api, "PP-1", "100.00")
    moved = post(
        api,
        "/api/v1/payments/",
        {"payments": [{"external_id": "PP-1", "contract": "L-2", "received_on": str(TODAY), "amount": "100.00"}]},
    )
    assert moved.status_code == 400
    assert PaymentReceived.objects.get(external_id="PP-1").contract == contract


def test_the_card_query_count_does_not_grow_with_the_ledger(api, contract, client_a):
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule(n=3)})
    pay(api, "PP-1", "10.00")
    with CaptureQueriesContext(connection) as small:
        client_a.get(f"/contracts/{contract.pk}/")
    put(api, "/api/v1/contracts/L-1/schedule/", {"payments": schedule(n=36)})
    for n in range(10):
        pay(api, f"PP-{n + 2}", "10.00", allocations=[{"number": n + 1, "amount": "5.00"}])
    with CaptureQueriesContext(connection) as large:
        client_a.get(f"/contracts/{contract.pk}/")
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0.01"),
        Decimal("1.00"),
        Decimal("6.00"),  # 6 × 20/120 = 1.00 exactly
        Decimal("0.06"),  # 0.01 exactly at 20 %
        Decimal("0.03"),  # 0.005 at 20 %: half a kopeck rounds up
        Decimal("12345.67"),
        Decimal("9999999999999.99"),  # the largest amount: no 64-bit overflow on the way
    ],
)
@pytest.mark.parametrize("rate", [Decimal("20"), Decimal("22"), Decimal("10"), Decimal("0"), Decimal("12.34")])
def test_the_debt_blocks_vat_summed_by_the_database_equals_the_rule(org_a, products, amount, rate):
    """`org_debt` computes each charge's VAT in SQL; it must round exactly as `money.vat_included`."""
    from kabinet.core.money import vat_included

    today = timezone.localdate()
    contract = ContractFactory(organization=org_a, product=products["auto"])
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=today - timedelta(days=3), amount=amount, vat_rate=rate
    )
    (row,) = ledger.org_debt(org_a).rows
    (line,) = row.lines
    assert (line.rate, line.amount, line.vat) == (rate, amount, vat_included(amount, rate))
    assert row.lines == ledger.contract_ledger(contract).debt_lines
