"""Invoices are documents: issued by POST only, frozen in a snapshot, rendered once, served as a file."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.audit.models import AuditEvent
from kabinet.contracts.models import ScheduledPayment
from kabinet.contracts.services import penalties_upsert, schedules_replace
from kabinet.core.money import vat_included
from kabinet.creditors.models import Product
from kabinet.invoices import services
from kabinet.invoices.models import Invoice, InvoiceCounter
from kabinet.invoices.tests.test_invoices import pdf_qr, pdf_text
from kabinet.testing.factories import ContractFactory, ProductFactory, ScheduledPaymentFactory, pay_line
from kabinet.testing.html import parse

TODAY = timezone.localdate()


@pytest.fixture
def contract(org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")


@pytest.fixture
def payment(contract):
    return ScheduledPaymentFactory(
        contract=contract, number=3, due_date=TODAY + timedelta(days=5), amount=Decimal("99562.65")
    )


@pytest.fixture
def overdue(contract):
    return ScheduledPaymentFactory(
        contract=contract, number=1, due_date=TODAY - timedelta(days=20), amount=Decimal("1200.00")
    )


def flat(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def state():
    """Everything a GET could write by mistake."""
    counters = list(InvoiceCounter.objects.order_by("pk").values_list("last_number", flat=True))
    return Invoice.objects.count(), counters, AuditEvent.objects.count()


def issue(client, url: str) -> Invoice:
    response = client.post(url)
    assert response.status_code == 302, response.content[:300]
    invoice = Invoice.objects.order_by("-pk").first()
    assert invoice is not None
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    return Invoice.objects.get(pk=response["Location"].strip("/").split("/")[-1])


def test_a_get_of_any_invoice_url_writes_nothing_and_issues_nothing(client_a, payment, overdue, contract):
    issued = issue(client_a, f"/invoices/payment/{payment.pk}/")
    before = state()
    for url in (
        f"/invoices/payment/{payment.pk}/",  # what a link preview or an <img> would fetch
        f"/invoices/payment/{overdue.pk}/",
        f"/invoices/debt/{contract.pk}/",
        f"/invoices/{issued.pk}/",
        "/invoices/",
        f"/invoices/?contract={contract.pk}",
    ):
        response = client_a.get(url)
        assert response.status_code == 200, url
        assert client_a.head(url).status_code == 200, url
    page = client_a.get(f"/invoices/debt/{contract.pk}/")
    assert page["Content-Type"].startswith("text/html") and "Выставить счёт" in page.content.decode()
    assert state() == before


def test_post_issues_once_per_payment_and_amount_and_numbers_have_no_gaps_from_gets(client_a, payment, contract):
    other = ScheduledPaymentFactory(contract=contract, number=4, due_date=TODAY + timedelta(days=35))
    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    for _ in range(3):
        client_a.get(f"/invoices/payment/{other.pk}/")
    assert issue(client_a, f"/invoices/payment/{payment.pk}/").pk == first.pk  # the same invoice again
    second = issue(client_a, f"/invoices/payment/{other.pk}/")
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.number == f"{TODAY.year}-000002"
    assert AuditEvent.objects.filter(action="invoice_issued").count() == 2


def test_htmx_post_navigates_to_the_pdf(client_a, payment):
    response = client_a.post(f"/invoices/payment/{payment.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/invoices/{Invoice.objects.get().pk}/"


def test_the_download_is_the_stored_file_and_never_renders_again(client_a, payment, monkeypatch):
    invoice = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert (invoice.pdf.name or "").startswith(f"invoices/{invoice.organization_id}/")
    stored = invoice.pdf.open("rb").read()
    monkeypatch.setattr(services, "render_pdf", lambda snapshot: pytest.fail("a download rendered the PDF"))
    response = client_a.get(f"/invoices/{invoice.pk}/")
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == stored


def test_changing_the_creditors_bank_account_leaves_the_issued_invoice_unchanged(client_a, payment, creditor):
    invoice = issue(client_a, f"/invoices/payment/{payment.pk}/")
    before = b"".join(client_a.get(f"/invoices/{invoice.pk}/").streaming_content)
    old_account = creditor.settlement_account
    creditor.settlement_account, creditor.bank_name = "40702810900000000001", "АО «Другой банк»"
    creditor.director_name = "Новый Р. Р."
    creditor.save()
    after = b"".join(client_a.get(f"/invoices/{invoice.pk}/").streaming_content)
    assert after == before
    text = flat(pdf_text(after))
    assert old_account in text and "40702810900000000001" not in text and "Другой банк" not in text
    assert "PersonalAcc=" + old_account in pdf_qr(after)
    # Even a lost file comes back from the snapshot, not from today's requisites.
    invoice.pdf.storage.delete(invoice.pdf.name or "")
    again = flat(pdf_text(client_a.get(f"/invoices/{invoice.pk}/").content))
    assert old_account in again and "Другой банк" not in again and "Новый Р. Р." not in again


def test_the_invoice_has_signature_lines_with_the_names_and_facsimiles_from_the_creditor(org_a, payment, creditor):
    from PIL import Image

    image = Image.new("RGBA", (120, 40), (0, 0, 200, 255))
    import io

    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    creditor.director_name, creditor.accountant_name = "Балтийский А. В.", "Счётова Е. П."
    creditor.director_facsimile.save("sign.png", ContentFile(buffer.getvalue()), save=False)
    creditor.save()
    invoice = services.payment_invoice_issue(org=org_a, payment_id=payment.pk)
    content = services.invoice_pdf(invoice)
    text = flat(pdf_text(content))
    assert "Руководитель" in text and "Балтийский А. В." in text
    assert "Главный бухгалтер" in text and "Счётова Е. П." in text
    import pypdfium2
    import pypdfium2.raw as raw

    page = pypdfium2.PdfDocument(content)[0]
    images = [o for o in page.get_objects() if o.type == raw.FPDF_PAGEOBJ_IMAGE]
    # The facsimile as it was uploaded, and the QR code (a square picture, a pixel per module).
    sizes = sorted(tuple(image.get_px_size()) for image in images)
    assert len(sizes) == 2 and (120, 40) in sizes
    (qr_size,) = [size for size in sizes if size != (120, 40)]
    assert qr_size[0] == qr_size[1] >= 25


def test_a_debt_over_two_vat_rates_is_two_lines_and_its_vat_is_the_sum_of_the_lines_vat(org_a, contract):
    # 600.03 at 20 %: VAT 100.005 → 100.01 per line; on the sum (1 200.06) it would be 200.01, not 200.02.
    amounts = [
        (Decimal("600.03"), Decimal("20")),
        (Decimal("600.03"), Decimal("20")),
        (Decimal("1220.00"), Decimal("22")),
    ]
    for n, (amount, rate) in enumerate(amounts, start=1):
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY - timedelta(days=60 - n), amount=amount, vat_rate=rate
        )
    invoice = services.debt_invoice_issue(org=org_a, contract_id=contract.pk)
    line_vat = sum(vat_included(a, r) for a, r in amounts)
    assert invoice.vat == [{"rate": "20", "amount": "200.02"}, {"rate": "22", "amount": "220.00"}]
    assert sum(Decimal(v["amount"]) for v in invoice.vat) == line_vat == Decimal("420.02")
    assert [(line["amount"], line["vat_rate"]) for line in invoice.snapshot["lines"]] == [
        ("1200.06", "20"),
        ("1220.00", "22"),
    ]
    text = flat(pdf_text(services.invoice_pdf(invoice)))
    assert "НДС 20 %" in text and "НДС 22 %" in text and "2 420,06" in text and "200,02" in text


def test_a_factoring_contract_is_worded_as_factoring(org_a, creditor):
    factoring = ProductFactory(creditor=creditor, name="Финансирование", kind=Product.Kind.FACTORING)
    contract = ContractFactory(organization=org_a, product=factoring, number="FK-26-00001")
    payment = ScheduledPaymentFactory(contract=contract, number=2, due_date=TODAY + timedelta(days=3))
    ScheduledPaymentFactory(contract=contract, number=1, due_date=TODAY - timedelta(days=3))
    for invoice in (
        services.payment_invoice_issue(org=org_a, payment_id=payment.pk),
        services.debt_invoice_issue(org=org_a, contract_id=contract.pk),
    ):
        text = flat(pdf_text(services.invoice_pdf(invoice))).lower().replace("\r\n", " ")
        assert "договор факторинга" in text or "договору факторинга" in text
        for leasing in ("договор лизинга", "договору лизинга", "лизинговый"):
            assert leasing not in text and leasing not in invoice.purpose.lower(), leasing


def statuses(client, contract) -> dict[str, str]:
    page = client.get(f"/invoices/?contract={contract.pk}")
    rows = parse(page).find("table", data_testid="invoices").find("tbody").find_all("tr")
    return {row.cells()[0]: row.find(data_testid="invoice-status").text for row in rows}


def replace_schedule(contract, lines) -> None:
    """What the books send through the API: the whole schedule of the contract."""
    schedules_replace(
        items=[
            (
                contract,
                [
                    {"number": p.number, "due_date": p.due_date, "amount": p.amount, "vat_rate": p.vat_rate}
                    for p in lines
                ],
            )
        ]
    )


def test_the_portal_says_whether_an_issued_invoice_is_current_paid_or_annulled(client_a, contract, payment, overdue):
    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    debt = issue(client_a, f"/invoices/debt/{contract.pk}/")
    assert statuses(client_a, contract) == {first.number: "актуален", debt.number: "актуален"}
    # The books change the payment: the issued invoice is annulled and a new POST gives a new one.
    payment.amount = Decimal("90000.00")
    replace_schedule(contract, [overdue, payment])
    second = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert second.pk != first.pk and second.amount == Decimal("90000.00")
    # The debt is paid.
    pay_line(overdue, overdue.amount)
    assert statuses(client_a, contract) == {
        first.number: f"аннулирован, заменён счётом № {second.number}",
        second.number: "актуален",
        debt.number: "оплачен",
    }
    pay_line(payment, Decimal("90000.00"))
    assert statuses(client_a, contract)[second.number] == "оплачен"
    # The books remove the line: the invoice stays a valid document, marked annulled.
    before = b"".join(client_a.get(f"/invoices/{second.pk}/").streaming_content)
    replace_schedule(contract, [overdue])
    assert not ScheduledPayment.objects.filter(pk=payment.pk).exists()
    second.refresh_from_db()
    assert second.payment_id is None and second.snapshot["total"] == "90000.00"
    assert statuses(client_a, contract)[second.number].startswith("аннулирован")
    assert b"".join(client_a.get(f"/invoices/{second.pk}/").streaming_content) == before


def test_a_partial_payment_makes_the_invoice_partly_paid_and_the_next_one_asks_for_the_rest(
    client_a, contract, payment
):
    # Money received never annuls an invoice (docs/ledger-rules.md, row 2): the old code said «аннулирован».
    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    pay_line(payment, Decimal("562.65"))
    partly = "частично оплачен: оплачено 562,65 руб. из 99 562,65 руб."
    assert {k: flat(v) for k, v in statuses(client_a, contract).items()} == {first.number: partly}
    second = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert second.amount == Decimal("99000.00") and second.sequence == first.sequence + 1
    now = {k: flat(v) for k, v in statuses(client_a, contract).items()}
    assert now == {first.number: partly, second.number: "актуален"}


def test_penalties_are_a_line_without_vat_on_the_debt_invoice(org_a, contract, overdue):
    penalties_upsert(
        rows=[
            {
                "external_id": "PEN-1",
                "contract": contract,
                "accrued_on": TODAY - timedelta(days=2),
                "amount": Decimal("15.50"),
                "basis": "0,1 % в день",
            }
        ]
    )
    invoice = services.debt_invoice_issue(org=org_a, contract_id=contract.pk)
    assert invoice.amount == Decimal("1215.50")
    assert invoice.vat == [{"rate": "22", "amount": str(vat_included(Decimal("1200.00"), Decimal("22")))}]
    lines = invoice.snapshot["lines"]
    assert [(line["amount"], line["vat_rate"]) for line in lines] == [("1200.00", "22"), ("15.50", None)]
    assert lines[1]["description"].startswith("Пени по договору № AL-26-00777")
    text = flat(pdf_text(services.invoice_pdf(invoice)))
    assert "без НДС" in text and "1 215,50" in text


def test_another_organizations_invoices_are_404_by_every_url(client, user_b, client_a, contract, payment, overdue):
    invoice = issue(client_a, f"/invoices/payment/{payment.pk}/")
    client_a.logout()
    client.force_login(user_b)
    before = state()
    for url in (
        f"/invoices/payment/{payment.pk}/",
        f"/invoices/debt/{contract.pk}/",
        f"/invoices/{invoice.pk}/",
        f"/invoices/?contract={contract.pk}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/invoices/payment/{payment.pk}/", f"/invoices/debt/{contract.pk}/"):
        assert client.post(url).status_code == 404, url
    assert state() == before
    assert parse(client.get("/invoices/")).find_all("table", data_testid="invoices") == []


def test_the_download_reads_the_invoice_in_one_query_and_at_most_four_in_all(client_a, payment):
    invoice = issue(client_a, f"/invoices/payment/{payment.pk}/")
    client_a.get("/dashboard/")  # warm the session's per-request caches
    with CaptureQueriesContext(connection) as queries:
        client_a.get(f"/invoices/{invoice.pk}/")
    invoice_queries = [q["sql"] for q in queries.captured_queries if "invoices_invoice" in q["sql"]]
    assert len(invoice_queries) == 1, invoice_queries
    # A download reads what it must (session, user, membership, the invoice) and nothing else: no rendering.
    assert len(queries) <= 4, [q["sql"][:80] for q in queries.captured_queries]


def test_the_invoice_list_costs_the_same_queries_for_3_or_30_invoices(client_a, contract):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get("/invoices/").status_code == 200
        return len(queries)

    for n in range(3):
        services.payment_invoice_issue(
            org=contract.organization,
            payment_id=ScheduledPaymentFactory(contract=contract, number=10 + n, due_date=TODAY + timedelta(days=n)).pk,
        )
    count()  # the first request fills the per-user header cache
    few = count()
    for n in range(27):
        row = ScheduledPaymentFactory(contract=contract, number=20 + n, due_date=TODAY + timedelta(days=40 + n))
        Invoice.objects.create(
            organization=contract.organization,
            creditor=contract.product.creditor,
            year=TODAY.year,
            sequence=100 + n,
            number=f"x{n}",
            issued_on=TODAY,
            due_date=TODAY,
            kind=Invoice.Kind.PAYMENT,
            contract=contract,
            payment=row,
            description="-",
            amount=row.amount,
            purpose="-",
        )
    assert count() == few
