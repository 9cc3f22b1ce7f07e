"""The status and correction table of docs/ledger-rules.md, row by row: an issued invoice is reused only
while everything it prints holds; money received moves its status and never annuls it."""

from datetime import timedelta
from decimal import Decimal

from kabinet.contracts.services import adjustments_upsert, penalties_upsert
from kabinet.invoices import services
from kabinet.invoices.models import Invoice
from kabinet.invoices.tests.test_issued_documents import (  # noqa: F401 (fixtures)
    TODAY,
    contract,
    flat,
    issue,
    overdue,
    payment,
    replace_schedule,
    state,
    statuses,
)
from kabinet.testing.factories import pay_line


def pdf_of(client, invoice: Invoice) -> bytes:
    return b"".join(client.get(f"/invoices/{invoice.pk}/").streaming_content)


def now(client, contract):  # noqa: F811
    return {number: flat(label) for number, label in statuses(client, contract).items()}


def test_a_moved_due_date_annuls_the_invoice_and_the_button_issues_a_new_number(client_a, contract, payment):  # noqa: F811
    # Old code: the same invoice came back «актуален» with the old date and period (matched by amount).
    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    pdf = pdf_of(client_a, first)
    payment.due_date += timedelta(days=19)
    replace_schedule(contract, [payment])
    before = state()
    assert now(client_a, contract) == {first.number: "аннулирован: учёт изменил или удалил то, за что он выставлен"}
    assert state() == before  # the status is a read: a GET writes nothing
    second = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert second.pk != first.pk and second.amount == first.amount
    assert second.snapshot["due_date"] == payment.due_date.isoformat()
    assert now(client_a, contract) == {
        first.number: f"аннулирован, заменён счётом № {second.number}",
        second.number: "актуален",
    }
    assert pdf_of(client_a, first) == pdf  # the old document is unchanged
    assert issue(client_a, f"/invoices/payment/{payment.pk}/").pk == second.pk


def test_a_changed_vat_rate_or_payee_annuls_the_invoice(client_a, contract, payment, creditor):  # noqa: F811
    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    payment.vat_rate = Decimal("0")
    replace_schedule(contract, [payment])
    # Old code: the invoice with «НДС 22 %» stayed «актуален».
    second = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert second.pk != first.pk and second.vat == [{"rate": "0", "amount": "0.00"}]
    creditor.settlement_account, creditor.bic = "40702810900000000002", "044525225"
    creditor.save()
    third = issue(client_a, f"/invoices/payment/{payment.pk}/")
    assert third.pk != second.pk
    assert third.snapshot["supplier"]["settlement_account"] == "40702810900000000002"
    assert now(client_a, contract)[second.number] == f"аннулирован, заменён счётом № {third.number}"


def test_a_debt_the_books_cancelled_is_annulled_never_paid(client_a, contract, overdue):  # noqa: F811
    debt = issue(client_a, f"/invoices/debt/{contract.pk}/")
    replace_schedule(contract, [])
    # Old code: «оплачен» with no money received.
    assert now(client_a, contract)[debt.number].startswith("аннулирован")


def test_a_partly_paid_debt_invoice_is_partly_paid_never_annulled(client_a, contract, overdue):  # noqa: F811
    debt = issue(client_a, f"/invoices/debt/{contract.pk}/")
    pay_line(overdue, Decimal("200.00"))
    # Old code: «аннулирован».
    assert now(client_a, contract) == {debt.number: "частично оплачен: оплачено 200,00 руб. из 1 200,00 руб."}
    rest = issue(client_a, f"/invoices/debt/{contract.pk}/")
    assert rest.amount == Decimal("1000.00")
    pay_line(overdue, Decimal("1000.00"))
    assert now(client_a, contract) == {debt.number: "оплачен", rest.number: "оплачен"}


def test_a_reversal_after_payment_moves_the_status_back(client_a, contract, payment):  # noqa: F811
    from kabinet.contracts.services import payment_reverse

    first = issue(client_a, f"/invoices/payment/{payment.pk}/")
    pay_line(payment, payment.amount, on=TODAY, external_id="PP-X")
    assert now(client_a, contract) == {first.number: "оплачен"}
    payment_reverse(org_id=contract.organization_id, external_id="PP-X", reversed_on=TODAY)
    assert now(client_a, contract) == {first.number: "актуален"}
    assert issue(client_a, f"/invoices/payment/{payment.pk}/").pk == first.pk


def test_penalties_and_adjustments_are_separate_lines_with_the_books_basis(org_a, contract, overdue):  # noqa: F811
    penalties_upsert(
        rows=[
            {
                "external_id": "PEN-1",
                "contract": contract,
                "accrued_on": TODAY - timedelta(days=3),
                "amount": Decimal("987.65"),
                "basis": "п. 7.2 договора, 0,1 % в день",
            }
        ]
    )
    adjustments_upsert(
        rows=[
            {
                "external_id": "ADJ-1",
                "contract": contract,
                "date": TODAY - timedelta(days=2),
                "amount": Decimal("2000.00"),
                "vat_rate": None,
                "reason": "Возмещение госпошлины",
                "document_number": "К-15",
            }
        ]
    )
    invoice = services.debt_invoice_issue(org=org_a, contract_id=contract.pk)
    lines = [(flat(line["description"]), line["amount"], line["vat_rate"]) for line in invoice.snapshot["lines"]]
    # Old code: one line «Пени … 2 987,65».
    assert [(amount, rate) for _text, amount, rate in lines] == [
        ("1200.00", "22"),
        ("987.65", None),
        ("2000.00", None),
    ]
    assert lines[1][0].startswith("Пени") and "п. 7.2 договора, 0,1 % в день" in lines[1][0]
    assert "Возмещение госпошлины, К-15" in lines[2][0] and not lines[2][0].startswith("Пени")
    assert invoice.amount == Decimal("4187.65")
