"""The contract card (§5.2): tabs, documents, schedule, exports; everything scoped to the organization."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.contracts.models import InsurancePolicy
from kabinet.core.xlsx import read_workbook
from kabinet.documents.models import Document
from kabinet.documents.services import document_reindex
from kabinet.testing.factories import ContractFactory, DebtFactory, LeasedItemFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse

TODAY = timezone.localdate()


def make_document(contract, *, category, doc_type, title, day, text="", name=None):
    document = Document(
        organization=contract.organization,
        contract=contract,
        category=category,
        doc_type=doc_type,
        title=title,
        document_date=day,
        original_name=name or f"{title}.pdf",
        content_type="application/pdf",
        text=text,
    )
    document.file.save("x.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.size = 13
    document.save()
    document_reindex(ids=[document.pk])
    return document


@pytest.fixture
def card(org_a, products):
    contract = ContractFactory(
        organization=org_a, product=products["auto"], number="AL-26-00077", signed_on=TODAY - timedelta(days=200)
    )
    LeasedItemFactory(contract=contract, make="Skoda", model="Octavia", vin="XW8AN2NE5JH012345", plate="А123ВС78")
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=TODAY - timedelta(days=30),
        amount=Decimal("100"),
        paid_amount=Decimal("100"),
        is_paid=True,
    )
    ScheduledPaymentFactory(contract=contract, number=2, due_date=TODAY - timedelta(days=1), amount=Decimal("100"))
    ScheduledPaymentFactory(contract=contract, number=3, due_date=TODAY + timedelta(days=29), amount=Decimal("100"))
    InsurancePolicy.objects.create(
        organization=org_a,
        contract=contract,
        kind="КАСКО",
        insurer="САО «ВСК»",
        policy_number="1234-567890",
        insured_object="Skoda Octavia",
        start_date=TODAY - timedelta(days=200),
        end_date=TODAY + timedelta(days=165),
    )
    make_document(
        contract, category="deal", doc_type="Договор лизинга", title="Договор лизинга AL-26-00077", day=date(2026, 3, 1)
    )
    make_document(
        contract,
        category="deal",
        doc_type="Акт приема-передачи",
        title="Акт приёма-передачи",
        day=date(2026, 4, 1),
        text="Передан автомобиль Skoda Octavia",
    )
    make_document(
        contract,
        category="accounting",
        doc_type="Универсальный передаточный документ",
        title="УПД № 15 за март",
        day=date(2026, 3, 31),
        name="УПД март 2026.pdf",
    )
    return contract


def test_the_main_tab_shows_the_contracts_facts_and_the_schedule_with_the_next_payment_invoice(client_a, card):
    response = client_a.get(f"/contracts/{card.pk}/")
    html = response.content.decode()
    page = parse(html)
    facts = (page.find(data_testid="remaining").find("span").text, page.find(data_testid="overdue").text)
    assert facts == ("200,00\u00a0₽", "100,00\u00a0₽")
    assert '<dd class="col-sm-8">1</dd>' in html  # one leased item
    for text in (
        "Сумма договора",
        "Осталось оплатить",
        "Просрочено",
        "Кол-во предметов лизинга",
        "Срок договора",
        "График платежей",
        "Оплачен",
        "Просрочен",
        "Не оплачен",
    ):
        assert text in html, text
    next_payment = card.payments.get(number=3)
    # The next payment's row is the highlighted one, and the button above the schedule issues its invoice.
    highlighted = parse(html).find("tr", class_="table-primary")
    assert highlighted.cells()[0].removeprefix("№").strip() == "3" and "ближайший" in highlighted.text
    assert f"/invoices/payment/{next_payment.pk}/" in html
    assert f"/invoices/debt/{card.pk}/" in html  # overdue → «Счёт на оплату задолженности»


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("items/", ["Skoda Octavia", "XW8AN2NE5JH012345", "А 123 ВС 78"]),
        ("insurance/", ["САО «ВСК»", "1234-567890", "Skoda Octavia", "Действует"]),
        ("deal-documents/", ["Договор лизинга AL-26-00077", "Акт приёма-передачи"]),
        ("accounting-documents/", ["УПД № 15 за март"]),
    ],
)
def test_each_tab_has_its_own_url_that_works_with_and_without_javascript(client_a, card, path, expected):
    full = client_a.get(f"/contracts/{card.pk}/{path}").content.decode()
    fragment = client_a.get(f"/contracts/{card.pk}/{path}", headers={"HX-Request": "true"}).content.decode()
    for text in expected:
        assert text in full and text in fragment
    assert "<html" in full and "График платежей" in full
    assert "<html" not in fragment and "График платежей" not in fragment
    assert 'aria-selected="true"' in fragment


def _titles(response) -> list[str]:
    """The documents' titles on the tab, group after group."""
    return [row[0] for table in parse(response).find(id="contract-tab").find_all("table") for row in table.rows()]


def test_document_tabs_group_by_type_and_filter_by_kind_date_and_keywords(client_a, card):
    url = f"/contracts/{card.pk}/deal-documents/"
    groups = parse(client_a.get(url)).find(id="contract-tab").texts("h2")
    assert groups == ["Акт приема-передачи", "Договор лизинга"]
    assert _titles(client_a.get(url, {"doc_type": "Договор лизинга"})) == ["Договор лизинга AL-26-00077"]
    assert _titles(client_a.get(url, {"date_from": "2026-03-15"})) == ["Акт приёма-передачи"]
    # In the document's text, any case.
    assert _titles(client_a.get(url, {"q": "skoda"})) == ["Акт приёма-передачи"]
    assert _titles(client_a.get(url, {"q": "ДОГОВОР"})) == ["Договор лизинга AL-26-00077"]
    assert "Ничего не найдено" in client_a.get(url, {"q": "нет-такого"}).content.decode()


def test_a_document_downloads_with_its_cyrillic_name_and_safe_headers(client_a, card):
    document = Document.objects.get(title="УПД № 15 за март")
    response = client_a.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "%D0%A3%D0%9F%D0%94" in response["Content-Disposition"]  # «УПД», RFC 5987
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_the_download_can_be_handed_to_nginx(client_a, card, settings):
    settings.PRIVATE_FILES_DELIVERY = "x-accel"
    document = Document.objects.get(title="УПД № 15 за март")
    response = client_a.get(f"/documents/{document.pk}/download/")
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response.content == b""


def test_every_url_of_another_organizations_contract_is_a_404(client_a, card, user_b):
    from django.test import Client

    client = Client()
    client.force_login(user_b)
    payment = card.payments.get(number=3)
    DebtFactory(contract=card)
    document = Document.objects.filter(contract=card).first()
    assert document is not None
    urls = [
        f"/contracts/{card.pk}/",
        f"/contracts/{card.pk}/items/",
        f"/contracts/{card.pk}/deal-documents/",
        f"/contracts/{card.pk}/accounting-documents/",
        f"/contracts/{card.pk}/insurance/",
        f"/contracts/{card.pk}/schedule.xlsx",
        f"/contracts/{card.pk}/schedule.ics",
        f"/invoices/payment/{payment.pk}/",
        f"/invoices/debt/{card.pk}/",
        f"/documents/{document.pk}/download/",
    ]
    invoice_response = client_a.post(f"/invoices/payment/{payment.pk}/")
    assert invoice_response.status_code == 302
    from kabinet.invoices.models import Invoice

    urls.append(f"/invoices/{Invoice.objects.get().pk}/")
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client_a.get(url).status_code == 200, url
    assert client.get(f"/contracts/{card.pk}/unknown-tab/").status_code == 404


def test_the_schedule_downloads_as_a_spreadsheet_an_accountant_can_sum(client_a, card):
    response = client_a.get(f"/contracts/{card.pk}/schedule.xlsx")
    assert "attachment" in response["Content-Disposition"]
    sheet = read_workbook(response.content).active
    rows = list(sheet.iter_rows(min_row=3, max_row=5, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 3]
    assert all(isinstance(r[1], datetime) for r in rows)
    assert all(isinstance(r[2], (int, float)) for r in rows) and sum(r[2] for r in rows) == 300
    total = [c.value for c in sheet[6]]
    assert total[0] == "Итого" and total[2] == sum(r[2] for r in rows)  # a number, never a formula
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert sheet.auto_filter.ref == "A2:H5"
    assert sheet.cell(row=3, column=2).number_format == "DD.MM.YYYY"


def test_the_schedule_downloads_as_a_calendar_of_the_unpaid_due_dates(client_a, card):
    response = client_a.get(f"/contracts/{card.pk}/schedule.ics")
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    starts = [line for line in text.split("\r\n") if line.startswith("DTSTART")]
    unpaid = card.payments.filter(is_paid=False).order_by("due_date")
    assert starts == [f"DTSTART;VALUE=DATE:{p.due_date:%Y%m%d}" for p in unpaid]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def _queries(client, url) -> int:
    client.get(url)  # the header's cache is warm, as on every request but the first
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("tab", ["", "items/", "deal-documents/", "insurance/"])
def test_the_card_query_count_does_not_grow_with_items_payments_and_documents(client_a, card, tab):
    url = f"/contracts/{card.pk}/{tab}"
    before = _queries(client_a, url)
    for n in range(30):
        LeasedItemFactory(contract=card)
        ScheduledPaymentFactory(contract=card, number=100 + n, due_date=TODAY + timedelta(days=40 + n))
        make_document(card, category="deal", doc_type=f"Тип {n % 5}", title=f"Документ {n}", day=TODAY)
        InsurancePolicy.objects.create(
            organization=card.organization,
            contract=card,
            insurer="X",
            policy_number=str(n),
            start_date=TODAY,
            end_date=TODAY,
        )
    assert _queries(client_a, url) == before
