"""«Акт сверки»: figures from the ledger against an independent expectation, period boundaries, all
contracts, isolation, the history, and a GET that writes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.contracts.services import payments_record
from kabinet.core.xlsx import read_workbook
from kabinet.invoices.tests.test_invoices import pdf_text
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

YEAR = timezone.localdate().year - 1
START, END = date(YEAR, 2, 1), date(YEAR, 3, 31)


def d(month: int, day: int) -> date:
    return date(YEAR, month, day)


def pay(contract, external_id: str, on: date, amount: str, document: str) -> None:
    if not contract.external_id:
        contract.external_id = f"C-{contract.pk}"
        contract.save(update_fields=["external_id"])
    payments_record(
        rows=[
            {
                "external_id": external_id,
                "contract": contract,
                "received_on": on,
                "amount": Decimal(amount),
                "document_number": document,
                "allocations": [],
            }
        ]
    )


# The books of two contracts: (date, debit, credit, document) — what the statement must show.
CHARGES_A = [(d(1, 15), "120.00"), (d(2, 1), "122.00"), (d(3, 15), "122.00"), (d(4, 1), "122.00")]
PAYMENTS_A = [
    (d(1, 31), "120.00", "11"),
    (d(2, 28), "100.00", "12"),
    (d(3, 31), "50.00", "13"),
    (d(4, 2), "9.00", "14"),
]
CHARGES_B = [(d(1, 10), "1000.00"), (d(3, 10), "1000.00")]
PAYMENTS_B = [(d(3, 20), "1500.00", "21")]


def expected(charges, payments, start=START, end=END):
    """The statement computed independently: opening before `start`, entries in [start, end]."""
    opening = sum((Decimal(a) for day, a in charges if day < start), Decimal("0")) - sum(
        (Decimal(a) for day, a, _ in payments if day < start), Decimal("0")
    )
    debit = sum((Decimal(a) for day, a in charges if start <= day <= end), Decimal("0"))
    credit = sum((Decimal(a) for day, a, _ in payments if start <= day <= end), Decimal("0"))
    return opening, debit, credit, opening + debit - credit


@pytest.fixture
def books(org_a, products):
    a = ContractFactory(organization=org_a, product=products["auto"], number="AL-ST-1", external_id="A-1")
    b = ContractFactory(organization=org_a, product=products["truck"], number="AL-ST-2", external_id="B-1")
    for contract, charges, payments in ((a, CHARGES_A, PAYMENTS_A), (b, CHARGES_B, PAYMENTS_B)):
        for n, (day, amount) in enumerate(charges, start=1):
            ScheduledPaymentFactory(contract=contract, number=n, due_date=day, amount=Decimal(amount))
        for day, amount, document in payments:
            pay(contract, f"{contract.number}-{document}", day, amount, document)
    return a, b


def post(client, fmt="pdf", contract="", start=START, end=END):
    return client.post(
        "/statements/",
        {"date_from": start.isoformat(), "date_to": end.isoformat(), "contract": contract, "format": fmt},
    )


def money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def sheet_rows(response):
    sheet = read_workbook(response.content).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def labelled(rows, label):
    return next(r for r in rows if r[2] == label)


def test_the_pdf_of_one_contract_has_the_ledgers_figures_and_both_parties(client_a, books, org_a, creditor):
    opening, debit, credit, closing = expected(CHARGES_A, PAYMENTS_A)
    assert (opening, debit, credit, closing) == (Decimal("0"), Decimal("244.00"), Decimal("150.00"), Decimal("94.00"))
    response = post(client_a, contract="AL-ST-1")
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    text = flat(pdf_text(response.content))
    assert "Акт сверки взаимных расчётов" in text
    assert f"за период с 01.02.{YEAR} по 31.03.{YEAR}" in text and "по договору лизинга № AL-ST-1" in text
    for fragment in (creditor.name, creditor.inn, org_a.name, org_a.inn, "Руководитель", "Главный бухгалтер"):
        assert fragment in text, fragment
    assert f"Обороты за период {money(debit)} {money(credit)}" in text
    assert f"Сальдо конечное {money(closing)}" in text
    assert f"задолженность в пользу {creditor.name} составляет {money(closing)} ₽" in text
    for document, day in (("12", d(2, 28)), ("13", d(3, 31))):
        assert f"п/п № {document} от {day:%d.%m.%Y}" in text
    assert "№ 11" not in text and "№ 14" not in text  # outside the period
    assert "Сальдо начальное 0,00" in text


def test_the_xlsx_has_the_same_figures_as_numbers(client_a, books):
    opening, debit, credit, closing = expected(CHARGES_A, PAYMENTS_A)
    response = post(client_a, fmt="xlsx", contract="al-st-1")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    assert opening == 0 and labelled(rows, "Сальдо начальное")[3:5] == [Decimal("0.00"), None]  # 0,00, never empty
    assert labelled(rows, "Обороты за период")[3:5] == [debit, credit]
    assert labelled(rows, "Сальдо конечное")[3:5] == [closing, None]
    entries = [r for r in rows if isinstance(r[0], int)]
    assert [(r[1].date(), r[3], r[4]) for r in entries] == [
        (d(2, 1), Decimal("122.00"), None),
        (d(2, 28), None, Decimal("100.00")),
        (d(3, 15), Decimal("122.00"), None),
        (d(3, 31), None, Decimal("50.00")),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [(d(1, 31), d(1, 31)), (d(2, 1), d(2, 1)), (d(2, 2), d(3, 30)), (d(3, 31), d(4, 1)), (d(1, 1), d(12, 31))],
)
def test_entries_on_the_period_boundaries_count_in_the_period_and_earlier_ones_in_the_opening(
    client_a, books, start, end
):
    opening, debit, credit, closing = expected(CHARGES_A, PAYMENTS_A, start, end)
    rows = sheet_rows(post(client_a, fmt="xlsx", contract="AL-ST-1", start=start, end=end))
    first = labelled(rows, "Сальдо начальное")
    assert (first[3] or 0) - (first[4] or 0) == opening
    assert labelled(rows, "Обороты за период")[3:5] == [debit, credit]
    last = labelled(rows, "Сальдо конечное")
    assert (last[3] or 0) - (last[4] or 0) == closing


def test_the_all_contracts_statement_sums_every_contract_and_says_in_whose_favour(
    client_a, books, org_a, org_b, products
):
    other = ContractFactory(organization=org_b, product=products["auto"], number="AL-ST-9")
    ScheduledPaymentFactory(contract=other, number=1, due_date=d(2, 5), amount=Decimal("777.00"))
    a = expected(CHARGES_A, PAYMENTS_A)
    b = expected(CHARGES_B, PAYMENTS_B)
    opening, debit, credit, closing = (x + y for x, y in zip(a, b, strict=True))
    rows = sheet_rows(post(client_a, fmt="xlsx"))
    assert labelled(rows, "Сальдо начальное")[3] == opening == Decimal("1000.00")
    assert labelled(rows, "Обороты за период")[3:5] == [debit, credit]
    assert Decimal("777.00") not in [r[3] for r in rows]  # another organization's charge
    text = flat(pdf_text(post(client_a).content))
    assert "по всем договорам" in text
    assert f"Сальдо конечное {money(closing)}" in text if closing > 0 else f"Сальдо конечное {money(-closing)}" in text
    assert closing == Decimal("594.00")


def test_an_advance_is_a_closing_balance_in_the_clients_favour(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-ST-5", external_id="S-5")
    ScheduledPaymentFactory(contract=contract, number=1, due_date=d(2, 10), amount=Decimal("100.00"))
    pay(contract, "S-5-1", d(2, 12), "130.00", "55")
    text = flat(pdf_text(post(client_a, contract="AL-ST-5").content))
    assert f"задолженность в пользу {org_a.name} составляет 30,00 ₽" in text


def test_the_request_is_recorded_in_the_history_and_the_form_writes_nothing(client_a, books, admin_a):
    before = AuditEvent.objects.count()
    page = client_a.get(f"/statements/?contract={books[0].pk}")
    assert page.status_code == 200 and 'value="AL-ST-1"' in page.content.decode()
    assert client_a.head("/statements/").status_code == 200
    assert AuditEvent.objects.count() == before
    post(client_a, fmt="xlsx", contract="AL-ST-1")
    event = AuditEvent.objects.get(action="statement_requested")
    assert event.actor == admin_a and event.organization_id == books[0].organization_id
    assert event.after == {
        "from": START.isoformat(),
        "to": END.isoformat(),
        "contract": "AL-ST-1",
        "format": "xlsx",
        "closing": "94.00",
    }
    history = client_a.get("/settings/history/").content.decode()
    assert "statement_requested" in history or "Акт сверки" in history


def test_bad_input_is_explained_next_to_the_field(client_a, books):
    page = post(client_a, start=END, end=START)
    assert page.status_code == 200 and "Начало периода позже его окончания" in page.content.decode()
    page = post(client_a, end=timezone.localdate().replace(year=YEAR + 2))
    assert "Период не может заканчиваться позже сегодняшнего дня" in page.content.decode()
    page = post(client_a, contract="NO-SUCH")
    assert "В вашей организации нет договора с таким номером" in page.content.decode()
    assert not AuditEvent.objects.filter(action="statement_requested").exists()


def test_another_organizations_contract_is_a_404_and_its_number_is_not_found(client, user_b, books):
    client.force_login(user_b)
    assert client.get(f"/statements/?contract={books[0].pk}").status_code == 404
    page = post(client, contract="AL-ST-1")
    assert page["Content-Type"].startswith("text/html")
    assert "В вашей организации нет договора с таким номером" in page.content.decode()
    # Its own all-contracts statement has none of organization A's entries.
    rows = sheet_rows(post(client, fmt="xlsx"))
    assert labelled(rows, "Обороты за период")[3:5] == [0, 0]


def test_a_pdf_too_long_to_lay_out_is_refused_with_a_pointer_to_excel(client_a, books, monkeypatch):
    from kabinet.statements import services

    monkeypatch.setattr(services, "PDF_MAX_ROWS", 3)
    page = post(client_a, contract="AL-ST-1")
    assert page["Content-Type"].startswith("text/html")
    assert "В акте 4 записи: для PDF это слишком много" in page.content.decode()
    assert not AuditEvent.objects.filter(action="statement_requested").exists()
    assert post(client_a, fmt="xlsx", contract="AL-ST-1")["Content-Type"].startswith("application/vnd")
