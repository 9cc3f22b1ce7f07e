"""«Закрывающие документы» in the browser at 1440 and 375 px: open it from the menu, see the month's totals per
VAT rate, download the pack, open the ZIP and check that the register's sums are the documents'."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.contracts.models import ClosingDocument
from kabinet.core.xlsx import read_workbook
from kabinet.documents.closing import previous_month
from kabinet.documents.tests.test_closing import make
from kabinet.testing.factories import ContractFactory


@pytest.fixture
def month_documents(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="ДЛ-001")
    start, end = previous_month(timezone.localdate())
    make(org_a, contract, "123", end, "122000.00", {"22": "22000.00"}, xml=True)
    make(org_a, contract, "118", start.replace(day=15), "120000.00", {"20": "20000.00"})
    make(org_a, contract, "СФ-7", start, "1000.00", {}, kind="invoice")
    return start, end


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_download_the_months_pack_and_check_the_registers_sums(viewport, request, month_documents, admin_a):
    page = request.getfixturevalue(viewport)
    start, _end = month_documents
    sign_in(page, str(admin_a.phone))
    page.get_by_role("link", name="Закрывающие документы").click()
    expect(page.get_by_role("heading", name="Закрывающие документы")).to_be_visible()
    expect(page.get_by_test_id("closing-count")).to_have_text("3")
    expect(page.get_by_test_id("closing-documents").locator("tbody tr")).to_have_count(3)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_download() as download:
        page.get_by_test_id("closing-pack").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()
    assert f"{start:%Y-%m}/УПД_123_от_{_end:%d.%m.%Y}_ДЛ-001.pdf" in names
    assert f"{start:%Y-%m}/УПД_123_от_{_end:%d.%m.%Y}_ДЛ-001.xml" in names
    register = next(n for n in names if n.endswith(".xlsx"))
    rows = list(read_workbook(archive.read(register)).active.iter_rows(values_only=True))
    body, total = rows[3:-1], rows[-1]
    amounts = sorted(Decimal(str(r[4])) for r in body)
    assert amounts == sorted(d.amount for d in ClosingDocument.objects.all())
    assert Decimal(str(total[4])) == sum(amounts) == Decimal("243000.00")
    assert Decimal(str(total[5])) == Decimal("22000.00") and Decimal(str(total[6])) == Decimal("20000.00")
