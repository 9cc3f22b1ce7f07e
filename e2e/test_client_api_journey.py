"""An administrator issues a client key in «Настройки» → «Интеграции»; a script with it reads the
contracts and downloads an invoice, and is refused everywhere else (the lessor's endpoints, another
organization's objects); once revoked in the browser, the key is refused at once."""

from __future__ import annotations

import json
import runpy
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.invoices import services as invoice_services
from kabinet.testing.factories import PASSWORD, ContractFactory, ScheduledPaymentFactory

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "client_daily.py"
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 375, "height": 812}}


def _status(url: str, key: str, method: str = "GET") -> int:
    request = urllib.request.Request(  # noqa: S310 (the live server)
        url, method=method, data=b"{}" if method != "GET" else None, headers={"Authorization": f"Bearer {key}"}
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def world(transactional_db, admin_a, org_a, org_b, products, settings):
    settings.API_EVENT_LAG_SECONDS = 0
    mine = ContractFactory(organization=org_a, product=products["auto"], number="ALPHA-0001")
    line = ScheduledPaymentFactory(
        contract=mine, number=1, due_date=timezone.localdate() + timedelta(days=5), amount=Decimal("1500.00")
    )
    invoice = invoice_services.payment_invoice_issue(org=org_a, payment_id=line.pk)
    theirs = ContractFactory(organization=org_b, product=products["auto"], number="BETA-0042")
    foreign = invoice_services.payment_invoice_issue(
        org=org_b, payment_id=ScheduledPaymentFactory(contract=theirs, number=1).pk
    )
    return {"invoice": invoice, "foreign": foreign}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_administrator_issues_a_client_key_a_script_reads_with_it_and_nothing_else(
    world, admin_a, browser, live_server, monkeypatch, capsys, tmp_path, width
):
    context = browser.new_context(viewport=WIDTHS[width], locale="ru-RU", is_mobile=WIDTHS[width]["width"] < 500)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/settings/")
    page.get_by_role("link", name="Интеграции").click()
    expect(page.get_by_text("Ключей пока нет.")).to_be_visible()

    # A wrong address list is told next to the field, in Russian; the name typed stays.
    page.get_by_label("Система").fill("1С:Бухгалтерия")
    page.get_by_label("Разрешённые IP-адреса").fill("не адрес")
    page.get_by_role("button", name="Выпустить ключ").click()
    # Issuing a key asks for the administrator's password first; what was typed is carried on.
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Строка 1: «не адрес» — не IP-адрес и не сеть")).to_be_visible()
    expect(page.get_by_label("Система")).to_have_value("1С:Бухгалтерия")
    page.get_by_label("Разрешённые IP-адреса").fill("127.0.0.1")
    page.get_by_role("button", name="Выпустить ключ").click()
    expect(page.get_by_test_id("issued-key")).to_be_visible()
    key = page.get_by_test_id("key").input_value()
    assert key.startswith("kb_")

    # The script reads the contracts and downloads the day's invoice with it.
    argv = ["client_daily.py", "--url", live_server.url, "--token", key]
    argv += ["--state", str(tmp_path / "state.json"), "--out", str(tmp_path / "out")]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "ALPHA-0001" in out and "BETA-0042" not in out and "contracts: 1" in out
    number = world["invoice"].number.replace("/", "-")
    assert (tmp_path / "out" / f"invoice-{number}.pdf").read_bytes().startswith(b"%PDF")

    # Refused everywhere else: the lessor's endpoints, another organization's invoice.
    api = live_server.url + "/api/v1"
    assert _status(f"{api}/events/", key) == 403
    assert _status(f"{api}/contracts/X/", key, "PUT") == 403
    assert _status(f"{api}/payments/", key, "POST") == 403
    assert _status(f"{api}/client/invoices/{world['foreign'].pk}/pdf/", key) == 404
    assert _status(f"{api}/client/invoices/{world['invoice'].pk}/pdf/", key) == 200

    # The page shows the key was used; revoked, it is refused at once.
    page.goto(page.base_url + "/settings/integrations/")
    expect(page.get_by_test_id("last-used")).not_to_have_text("Ещё не использовался")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отозвать 1С:Бухгалтерия").click()
    expect(page.get_by_text("Ключ «1С:Бухгалтерия» отозван")).to_be_visible()
    assert _status(f"{api}/client/contracts/", key) == 401
    page.get_by_role("link", name="История изменений").click()
    expect(page.get_by_test_id("history")).to_contain_text("Ключ API отозван")
    expect(page.get_by_test_id("history")).to_contain_text("Выпущен ключ API")
    assert json.loads((tmp_path / "state.json").read_text())["events_after"] > 0
    context.close()
