"""«Справочники» (a kabinet.web page): the free-sum payment QR names the same payee as every invoice,
both from `Creditor.payee()`, the one creditor → ГОСТ Р 56042 mapping."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kabinet.core import qr
from kabinet.invoices import services
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

PAYEE_FIELDS = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc", "PayeeINN", "KPP")


def test_the_reference_qr_and_the_invoice_qr_name_the_same_payee(client_a, org_a, products, creditor, monkeypatch):
    drawn: list[str] = []
    real = qr.qr_svg_data_uri

    def drawing(payload: str, scale: int = 3) -> str:
        drawn.append(payload)
        return real(payload, scale=scale)

    monkeypatch.setattr(qr, "qr_svg_data_uri", drawing)
    response = client_a.get("/reference/")
    assert response.status_code == 200
    reference = qr.parse_payload(drawn[-1])
    assert "Sum" not in reference  # the payer types the sum
    assert reference["PayerINN"] == org_a.inn

    contract = ContractFactory(organization=org_a, product=products["auto"])
    payment = ScheduledPaymentFactory(
        contract=contract, due_date=timezone.localdate() + timedelta(days=5), amount=Decimal("1000.00")
    )
    invoice = services.payment_invoice_issue(org=org_a, payment_id=payment.pk)
    issued = qr.parse_payload(invoice.snapshot["qr_payload"])

    payee = creditor.payee()
    expected = qr.parse_payload(qr.payee_payload(payee, amount=None, purpose="-"))
    for field in PAYEE_FIELDS:
        assert reference[field] == issued[field] == expected[field], field
    assert expected["Name"] == creditor.name and expected["PersonalAcc"] == creditor.settlement_account
