"""«Скачать в Excel» in the browser: the payment calendar of the main page, «История изменений» with its
filter applied and the support list each download a workbook with the rows the page lists and an autofilter
on the header row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.audit.models import AuditEvent
from kabinet.core.xlsx import read_workbook
from kabinet.support import services
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory


@pytest.fixture
def lists(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    ScheduledPaymentFactory(contract=contract, number=1, due_date=timezone.localdate() + timedelta(days=5))
    for action in ("employee_invited", "organization_updated"):
        AuditEvent.objects.create(organization=org_a, actor=admin_a, action=action, object_repr=action)
    services.thread_create(org=org_a, user=admin_a, topic="Не скачивается акт", body="Ошибка", files=[])
    return contract


def downloaded(page, link, tmp_path, name):
    with page.expect_download() as download:
        link.click()
    target = tmp_path / name
    download.value.save_as(target)
    sheet = read_workbook(target.read_bytes()).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[2:]


def test_each_new_list_downloads_as_excel_with_its_filters(page, lists, admin_a, tmp_path):
    sign_in(page, str(admin_a.phone))
    sheet, rows = downloaded(page, page.get_by_test_id("export-xlsx"), tmp_path, "calendar.xlsx")
    assert [r[0] for r in rows] == ["AL-26-00777"] and sheet.auto_filter.ref == "A2:D3"

    page.goto(page.base_url + "/settings/history/?action=employee_invited")
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(1)
    sheet, rows = downloaded(page, page.get_by_test_id("export-xlsx"), tmp_path, "history.xlsx")
    assert [r[3] for r in rows] == ["employee_invited"] and sheet.auto_filter.ref == "A2:F3"

    page.goto(page.base_url + "/support/")
    sheet, rows = downloaded(page, page.get_by_test_id("export-xlsx"), tmp_path, "support.xlsx")
    assert [r[1] for r in rows] == ["Не скачивается акт"] and sheet.auto_filter.ref == "A2:G3"
