"""«Акт сверки» in the usual Russian form: short names in the text and on both sides, the client's half
and conclusion left blank, the place and date of drawing up, primary documents and payment orders named,
an opening balance of 0,00, «М. П.»; the XLSX with the same preamble, conclusions and «М. П.»; the
contract picked with the search-as-you-type picker."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.core.legal_names import city_of, derived_short_name, short_legal_name
from kabinet.invoices.tests.test_invoices import pdf_text
from kabinet.statements.tests.test_statement import flat, pay, post, sheet_rows
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

YEAR = timezone.localdate().year - 1
TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Общество с ограниченной ответственностью «Ромашка»", "ООО «Ромашка»"),
        ("ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «РОМАШКА»", "ООО «РОМАШКА»"),
        ("Публичное акционерное общество «Банк»", "ПАО «Банк»"),
        ("Акционерное  общество «Лизинг»", "АО «Лизинг»"),
        ("«Ромашка», общество с ограниченной ответственностью", "ООО «Ромашка»"),
        ("Индивидуальный предприниматель Иванов Иван Иванович", "ИП Иванов Иван Иванович"),
        ("ООО «Ромашка»", "ООО «Ромашка»"),
        ("Ромашка", "Ромашка"),
    ],
)
def test_the_short_name_abbreviates_the_legal_form(name, short):
    assert short_legal_name(name) == short


def test_the_short_name_prefers_the_full_names_form_and_the_city_comes_from_the_address():
    assert derived_short_name("Ромашка", "Общество с ограниченной ответственностью «Ромашка»") == "ООО «Ромашка»"
    assert derived_short_name("ООО «Ромашка»", "") == "ООО «Ромашка»"
    assert city_of("190000, г. Санкт-Петербург, Невский пр-кт, д. 28") == "г. Санкт-Петербург"
    assert city_of("г.Москва, ул. Тверская, д. 1") == "г. Москва"
    assert city_of("Московская обл., д. Иваново") == ""


@pytest.fixture
def named(org_a, creditor, products):
    """The demo's names: full names spelled out, as the registry gives them."""
    org_a.name = "Общество с ограниченной ответственностью «Альфа»"
    org_a.full_name = "Общество с ограниченной ответственностью «Альфа»"
    org_a.director = "Альфин А. А."
    org_a.save()
    creditor.name = "Общество с ограниченной ответственностью «Балтийский лизинг»"
    creditor.legal_address = "190000, г. Санкт-Петербург, ул. Большая Морская, д. 1"
    creditor.save()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-RU-1", external_id="RU-1")
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=date(YEAR, 2, 10),
        amount=Decimal("1000.00"),
        document_kind="Счёт-фактура",
        document_number="СФ-17",
        document_date=date(YEAR, 2, 10),
    )
    ScheduledPaymentFactory(
        contract=contract,
        number=2,
        due_date=date(YEAR, 3, 10),
        amount=Decimal("1000.00"),
        document_kind="УПД",
        document_number="345",
        document_date=date(YEAR, 3, 11),
    )
    ScheduledPaymentFactory(contract=contract, number=3, due_date=date(YEAR, 4, 10), amount=Decimal("1000.00"))
    pay(contract, "RU-PP-1", date(YEAR, 2, 12), "1500.00", "102")
    return contract


def statement_text(client, **kwargs):
    return flat(
        pdf_text(post(client, contract="AL-RU-1", start=date(YEAR, 1, 1), end=date(YEAR, 4, 30), **kwargs).content)
    )


def test_the_pdf_reads_as_the_usual_russian_form(client_a, named):
    text = statement_text(client_a)
    creditor, client = "ООО «Балтийский лизинг»", "ООО «Альфа»"
    # Short names in the text and on both sides; the full names only in the requisites.
    assert f"между {creditor} и {client}" in text
    assert f"Мы, нижеподписавшиеся, {creditor}, с одной стороны, и {client}, с другой стороны" in text
    assert f"По данным {creditor}, руб. По данным {client}, руб." in text
    assert f"От {creditor}" in text and f"От {client}" in text
    assert "По данным Общество" not in text and "От Общество" not in text
    # The place and date of drawing up.
    assert f"г. Санкт-Петербург {TODAY:%d.%m.%Y}" in text
    # The opening balance is 0,00, never empty.
    assert "Сальдо начальное 0,00" in text
    # Primary documents where the books sent them, payments as payment orders.
    assert f"Лизинговый платёж № 1 по договору № AL-RU-1, Счёт-фактура № СФ-17 от 10.02.{YEAR}" in text
    assert f"Лизинговый платёж № 2 по договору № AL-RU-1, УПД № 345 от 11.03.{YEAR}" in text
    assert "Лизинговый платёж № 3 по договору № AL-RU-1 1 000,00" in text  # no document sent: none made up
    assert f"Оплата по договору № AL-RU-1, п/п № 102 от 12.02.{YEAR}" in text
    assert "документ № 102" not in text
    # The conclusion: ours filled in, with the amount in words; the client's left for them.
    assert (
        f"По данным {creditor} на 30.04.{YEAR} задолженность в пользу {creditor} составляет 1 500,00 ₽ "
        "(Одна тысяча пятьсот рублей 00 копеек)" in text
    )
    assert f"По данным {client} на 30.04.{YEAR} задолженность в пользу ____" in text
    assert text.count("М. П.") == 2
    assert "Руководитель ____________ Альфин А. А." in text


def test_the_xlsx_has_the_same_preamble_conclusions_and_stamp(client_a, named):
    rows = sheet_rows(post(client_a, fmt="xlsx", contract="AL-RU-1", start=date(YEAR, 1, 1), end=date(YEAR, 4, 30)))
    cells = [c for row in rows for c in row if isinstance(c, str)]
    creditor, client = "ООО «Балтийский лизинг»", "ООО «Альфа»"
    assert cells[0] == "Акт сверки взаимных расчётов"
    assert f"между {creditor} и {client}" in cells
    assert f"г. Санкт-Петербург, {TODAY:%d.%m.%Y}" in cells
    assert any(c.startswith(f"Мы, нижеподписавшиеся, {creditor}, с одной стороны, и {client}") for c in cells)
    assert f"По данным {creditor}, руб." in cells and f"По данным {client}, руб." in cells
    opening = next(r for r in rows if r[2] == "Сальдо начальное")
    assert opening[3:5] == [Decimal("0.00"), None]
    texts = [r[2] for r in rows if isinstance(r[0], int)]
    assert f"Оплата по договору № AL-RU-1, п/п № 102 от 12.02.{YEAR}" in texts
    assert f"Лизинговый платёж № 2 по договору № AL-RU-1, УПД № 345 от 11.03.{YEAR}" in texts
    assert any(c.startswith(f"По данным {creditor} на 30.04.{YEAR} задолженность в пользу {creditor}") for c in cells)
    assert any(c.startswith(f"По данным {client} на 30.04.{YEAR} задолженность в пользу ____") for c in cells)
    assert f"От {creditor}" in cells and f"От {client}" in cells
    assert cells.count("М. П.") == 2
    assert not any("Общество с ограниченной" in c for c in cells if c.startswith(("По данным", "От ", "между")))


def test_a_short_name_set_by_hand_wins(client_a, named, org_a):
    org_a.short_name = "ООО «Альфа-Групп»"
    org_a.save()
    assert "По данным ООО «Альфа-Групп», руб." in statement_text(client_a)


def test_the_form_offers_the_contract_picker_and_one_generate_button(client_a, named):
    page = client_a.get(f"/statements/?contract={named.pk}").content.decode()
    assert 'role="combobox"' in page and 'hx-get="/documents/contracts/?list=st-contract-list"' in page
    assert 'value="AL-RU-1"' in page and "data-download" in page and "Сформировать" in page
    # The picker's suggestions come from the organization's contracts.
    found = client_a.get("/documents/contracts/?list=st-contract-list&contract=ru-1").content.decode()
    assert 'data-value="AL-RU-1"' in found
