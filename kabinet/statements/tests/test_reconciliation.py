"""The two-sided акт сверки: the client's own акт or 1С account card (XLSX as БП 3.0 writes them, or
CSV) against the books' entries; three planted differences found and nothing else; bad files told in
words and nothing half-made; isolation; a GET writes nothing."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.contracts import ledger
from kabinet.statements import client_data
from kabinet.statements.models import Reconciliation
from kabinet.testing import client_acts
from kabinet.testing.html import parse
from kabinet.testing.pages import amount

YEAR = timezone.localdate().year - 1
START, END = date(YEAR, 1, 1), date(YEAR, 6, 30)


def d(month: int, day: int) -> date:
    return date(YEAR, month, day)


@pytest.fixture
def books(org_a, products):
    return client_acts.leasing_books(org_a, products["auto"], YEAR)


def planted(org, contract) -> list[client_acts.ClientRow]:
    return client_acts.planted_rows(org, contract, YEAR)


def upload(client, content: bytes, name: str, contract="AL-26-00042", start=START, end=END):
    return client.post(
        "/statements/compare/",
        {
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
            "contract": contract,
            "file": SimpleUploadedFile(name, content),
        },
    )


def compare(client, response, **columns):
    assert response.status_code == 302, response.content.decode()[:3000]
    url = response["Location"]
    form = parse(client.get(url)).find("form", data_testid="columns-form")
    chosen = {}
    for role in client_data.ROLES:
        select = form.find("select", name=role)
        picked = [o.get("value") for o in select.find_all("option") if "selected" in o.attrs]
        chosen[role] = picked[0] if picked else ""
    chosen.update(columns)
    return url, chosen, client.post(url, chosen)


def differences(page) -> list[tuple[str, str]]:
    return [(row.get("data-status"), row.text) for row in page.find_all("tr", data_testid="difference")]


def _the_three(found):
    statuses = sorted(status for status, _ in found)
    assert statuses == ["differs", "only_books", "only_client"]
    texts = dict(found)
    assert "777" in texts["only_client"] and "5 000,00" in texts["only_client"].replace("\u202f", " ")
    assert f"05.06.{YEAR}" in texts["only_books"]
    assert "121 000,00" in texts["differs"].replace("\u202f", " ") and "сумма" in texts["differs"]


@pytest.mark.parametrize("layout", ["act", "card", "csv-1251", "csv-utf8"])
def test_the_three_planted_differences_and_nothing_else(client_a, org_a, books, layout):
    rows = planted(org_a, books)
    if layout == "act":
        content = client_acts.act_xlsx(
            rows, client="ООО «Альфа»", creditor="ООО «Лизинг»", start=START, end=END, opening=Decimal("0")
        )
        name = "Акт сверки.xlsx"
    elif layout == "card":
        content = client_acts.card_xlsx(rows, account="76.09", start=START, end=END, opening=Decimal("0"))
        name = "Карточка счета 76.09.xlsx"
    else:
        content = client_acts.csv_bytes(rows, encoding="cp1251" if layout == "csv-1251" else "utf-8-sig")
        name = "acts.csv"
    url, _chosen, response = compare(client_a, upload(client_a, content, name))
    assert response.status_code == 302 and response["Location"] == url
    before = AuditEvent.objects.count()
    page = parse(client_a.get(url))
    assert AuditEvent.objects.count() == before  # reopening reads the stored result
    _the_three(differences(page))
    assert len(page.find_all("tr", data_testid="match")) == 9  # 5 payments and 4 of the 6 charges
    balances = {
        row.get("data-testid"): row.cells()
        for row in page.find("table", data_testid="balances").find_all("tr")
        if row.get("data-testid")
    }
    books_closing = ledger.statement(org_a, start=START, end=END, contract=books).closing
    assert amount(balances["balance-closing"][1].replace("−", "-")) == books_closing
    # The client's closing: 122 000 less (June's charge) and 1 000 less (March) and 5 000 more paid.
    client_closing = books_closing - Decimal("122000") - Decimal("1000") - Decimal("5000")
    assert amount(balances["balance-closing"][2].replace("−", "-")) == client_closing
    assert amount(balances["balance-closing"][3]) == books_closing - client_closing
    saved = Reconciliation.objects.get()
    assert saved.differences == 3 and saved.status == "compared" and str(saved.file.name).startswith("reconciliations/")


def test_the_columns_are_guessed_from_1c_headers():
    act = client_data.read_table(
        client_acts.act_xlsx([], client="А", creditor="Б", start=START, end=END, opening=Decimal("1")), "a.xlsx"
    )
    assert act.guess == {"date": 0, "document": 1, "debit": 2, "credit": 3}
    card = client_data.read_table(
        client_acts.card_xlsx([], account="60.01", start=START, end=END, opening=Decimal("1")), "c.xlsx"
    )
    assert card.guess == {"date": 0, "document": 1, "debit": 5, "credit": 7}
    assert card.header[5] == "F — Дебет Сумма"
    bare = client_data.read_table(b"01.02.2025;x;1,00;\r\n", "a.csv")
    assert bare.guess == {"date": 0, "document": 1, "debit": 2, "credit": 3}


def test_the_user_changes_a_wrong_guess(client_a, org_a, books):
    """Debit and credit swapped by the user: every entry is then on the other side — nothing matches."""
    rows = planted(org_a, books)
    content = client_acts.csv_bytes(rows, encoding="utf-8")
    url, _chosen, _response = compare(client_a, upload(client_a, content, "a.csv"), debit="3", credit="2")
    page = parse(client_a.get(url))
    assert not page.find_all("tr", data_testid="match")
    assert Reconciliation.objects.get().mapping == {"date": 0, "document": 1, "debit": 3, "credit": 2}


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (b"", "a.csv", "файл пуст."),
        (b"PK\x03\x04broken", "a.xlsx", "не читается как книга Excel (XLSX)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls", "старый файл Excel (XLS)"),
        (
            "Дата;Документ;Дебет;Кредит\r\n".encode("cp1251") + b"\x98\x98;x;1;\r\n",
            "a.csv",
            "ни в UTF-8, ни в windows-1251",
        ),
    ],
)
def test_a_bad_file_is_told_next_to_the_field_and_nothing_is_kept(client_a, books, content, name, said):
    response = upload(client_a, content, name)
    assert response.status_code == 400
    field = parse(response).find(data_testid="compare-file")
    assert said in field.text
    assert not Reconciliation.objects.exists()


def test_a_bad_row_names_its_row_and_column_and_the_upload_stays_uncompared(client_a, org_a, books):
    head = "Дата;Документ;Дебет;Кредит\r\n"
    content = f"{head}05.01.{YEAR};УПД 101;;122000,00\r\n10.01.{YEAR};п/п 201;12,3,4;\r\n".encode()
    _url, _chosen, response = compare(client_a, upload(client_a, content, "a.csv"))
    assert response.status_code == 400
    assert (
        "Строка 3, столбец C — Дебет: «12,3,4» — не сумма."
        in parse(response).find("form", data_testid="columns-form").text
    )
    saved = Reconciliation.objects.get()
    assert (
        saved.status == "mapping"
        and saved.result == {}
        and not AuditEvent.objects.filter(action="reconciliation_compared").exists()
    )
    bad_date = f"Дата;Документ;Дебет;Кредит\r\n32.01.{YEAR};УПД 101;;5,00\r\n".encode()
    _url, _chosen, response = compare(client_a, upload(client_a, bad_date, "b.csv"))
    assert f"Строка 2, столбец A — Дата: «32.01.{YEAR}» — не дата" in response.content.decode()


def test_the_limits_of_size_and_rows_are_told(client_a, books, settings):
    settings.RECONCILIATION_UPLOAD_MAX_BYTES = 1000
    response = upload(client_a, b"x" * 1001, "a.csv")
    assert "больше 1000" in parse(response).find(data_testid="compare-file").text.replace("\u00a0", " ")
    settings.RECONCILIATION_UPLOAD_MAX_BYTES = 10**6
    settings.RECONCILIATION_MAX_ROWS = 5
    content = client_acts.sheet_xlsx([[f"0{n % 9 + 1}.01.{YEAR}", "x", "1", None] for n in range(10)])
    response = upload(client_a, content, "a.xlsx")
    assert "больше 5 строк" in parse(response).find(data_testid="compare-file").text
    assert not Reconciliation.objects.exists()


def test_another_organizations_comparison_is_a_404_and_the_list_is_scoped(client_a, org_a, org_b, books, user_b):
    content = client_acts.csv_bytes(planted(org_a, books), encoding="utf-8")
    url, _, _ = compare(client_a, upload(client_a, content, "a.csv"))
    other = Client()
    other.force_login(user_b)
    assert other.get(url).status_code == 404
    assert other.post(url, {"date": "0", "debit": "2", "credit": "3"}).status_code == 404
    assert "a.csv" not in other.get("/statements/compare/").content.decode()
    assert "a.csv" in client_a.get("/statements/compare/").content.decode()
    foreign = client_acts.leasing_books(org_b, books.product, YEAR, number="BETA-77")
    assert other.get(f"/statements/compare/?contract={books.pk}").status_code == 404
    assert client_a.get(f"/statements/compare/?contract={foreign.pk}").status_code == 404
    refused = upload(client_a, content, "b.csv", contract="BETA-77")
    assert refused.status_code == 400 and Reconciliation.objects.filter(organization=org_a).count() == 1


def test_the_list_query_count_does_not_grow(client_a, org_a, books):
    content = client_acts.csv_bytes(planted(org_a, books), encoding="utf-8")
    compare(client_a, upload(client_a, content, "a.csv"))
    client_a.get("/statements/compare/")
    with CaptureQueriesContext(connection) as small:
        client_a.get("/statements/compare/")
    for _ in range(5):
        compare(client_a, upload(client_a, content, "a.csv"))
    with CaptureQueriesContext(connection) as large:
        client_a.get("/statements/compare/")
    assert len(large.captured_queries) == len(small.captured_queries)


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (_zip("readme.txt", b"not a workbook"), "a.xlsx", "не читается как книга Excel (XLSX)"),
        (_zip("[Content_Types].xml", b"<broken"), "a.xlsx", "не читается как книга Excel (XLSX)"),
        (bytes(range(256)) * 40, "a.csv", "ни в UTF-8, ни в windows-1251 (байт 153)"),
        (b'"' + b"x" * 200_000, "a.csv", "Строка 1 файла CSV не читается: не закрыта кавычка"),
        ("ни заголовка, ни дат\r\nпросто текст\r\n".encode(), "a.txt", "Обязательное поле."),
    ],
)
def test_odd_files_are_refused_in_words_never_a_500(client_a, books, content, name, said):
    response = upload(client_a, content, name)
    if response.status_code == 302:  # read as a table: the columns step then refuses it in words
        _url, _chosen, response = compare(client_a, response)
    assert response.status_code == 400
    assert said in parse(response).text
    assert not Reconciliation.objects.filter(status="compared").exists()


def test_the_time_limit_is_told(client_a, books, settings):
    settings.RECONCILIATION_PARSE_SECONDS = 0
    content = b"\xd0\x94\xd0\xb0\xd1\x82\xd0\xb0;x;1;\r\n01.01.2025;x;1;\r\n"
    response = upload(client_a, content, "a.csv")
    assert "Файл читается дольше 0 секунд" in parse(response).find(data_testid="compare-file").text


def test_one_column_for_two_things_is_refused(client_a, org_a, books):
    content = client_acts.csv_bytes(planted(org_a, books), encoding="utf-8")
    _url, _chosen, response = compare(client_a, upload(client_a, content, "a.csv"), credit="2")
    assert response.status_code == 400
    assert "Один столбец выбран дважды" in response.content.decode()
