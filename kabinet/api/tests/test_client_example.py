"""examples/client_daily.py against a live server: it pulls the day's changes with a client's key,
downloads the invoice issued that day, and on its next run reads only what is new."""

from __future__ import annotations

import runpy
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.invoices import services as invoice_services
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

SCRIPT = Path(__file__).resolve().parents[3] / "examples" / "client_daily.py"


@pytest.mark.django_db(transaction=True)
def test_the_client_script_pulls_the_days_changes_and_downloads_an_invoice(
    live_server, monkeypatch, capsys, tmp_path, org_a, org_b, products, settings
):
    settings.API_EVENT_LAG_SECONDS = 0
    today = timezone.localdate()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-DAY")
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=today - timedelta(days=2), amount=Decimal("250.00"), is_paid=True
    )
    line = ScheduledPaymentFactory(contract=contract, number=2, due_date=today + timedelta(days=5))
    invoice = invoice_services.payment_invoice_issue(org=org_a, payment_id=line.pk)
    other = ContractFactory(organization=org_b, product=products["auto"], number="B-NOT-MINE")
    invoice_services.payment_invoice_issue(org=org_b, payment_id=ScheduledPaymentFactory(contract=other, number=1).pk)
    _token, key = ApiToken.issue(name="1С", organization=org_a)

    def run() -> str:
        argv = [
            "client_daily.py",
            "--url",
            live_server.url,
            "--token",
            key,
            "--state",
            str(tmp_path / "state.json"),
            "--out",
            str(tmp_path / "invoices"),
            "--day",
            today.isoformat(),
        ]
        monkeypatch.setattr(sys, "argv", argv)
        runpy.run_path(str(SCRIPT), run_name="__main__")
        return capsys.readouterr().out

    out = run()
    assert "changes on" in out and "payment 250.00 received" in out
    assert f"invoice {invoice.number}" in out and "AL-DAY" in out and "B-NOT-MINE" not in out
    pdf = tmp_path / "invoices" / f"invoice-{invoice.number.replace('/', '-')}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "contracts: 1" in out
    # The next run starts after the last event read: nothing new.
    assert "changes on " + today.isoformat() + ": 0" in run()
