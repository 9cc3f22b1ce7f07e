"""«Договоры» in Excel: the page's filters, numbers as numbers, bounded, a constant number of queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.testing.exports import no_writes, sheet
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory


@pytest.fixture
def contracts(org_a, org_b, products):
    active = ContractFactory(organization=org_a, product=products["auto"], number="AL-1", amount=Decimal("1234567.89"))
    ScheduledPaymentFactory(contract=active, number=1, amount=Decimal("99562.65"), due_date=date(2099, 1, 15))
    ContractFactory(organization=org_a, product=products["truck"], number="KT-2", status="closed")
    ContractFactory(organization=org_b, product=products["auto"], number="BETA-1")
    return active


def test_contracts_export_follows_the_filters_and_keeps_numbers_numbers(client_a, contracts):
    header, rows = sheet(no_writes(client_a, "/contracts/export.xlsx?status=active"))
    assert header[0] == "Номер договора" and "Сумма договора, ₽" in header
    assert [r[0] for r in rows] == ["AL-1"]
    row = rows[0]
    assert row[5] == pytest.approx(1234567.89) and isinstance(row[5], float | int)
    assert isinstance(row[3], datetime)
    assert row[6] == datetime(2099, 1, 15) and row[7] == pytest.approx(99562.65)
    _header, everything = sheet(client_a.get("/contracts/export.xlsx"))
    assert sorted(r[0] for r in everything) == ["AL-1", "KT-2"]  # never another organization's


def test_the_contracts_page_links_its_export_with_the_current_filters(client_a, contracts):
    html = client_a.get("/contracts/?status=active&page=1").content.decode()
    assert 'href="/contracts/export.xlsx?status=active"' in html


def test_an_export_is_bounded(client_a, contracts, org_a, products, settings):
    for n in range(4):
        ContractFactory(organization=org_a, product=products["auto"], number=f"X-{n}")
    settings.EXPORT_MAX_ROWS = 3
    _header, rows = sheet(client_a.get("/contracts/export.xlsx"))
    assert len(rows) == 4 and "первые 3" in rows[-1][0]


def test_the_contracts_export_costs_the_same_queries_for_more_rows(client_a, org_a, products):
    ContractFactory(organization=org_a, product=products["auto"])
    client_a.get("/contracts/export.xlsx")  # the per-session header cache is warm in both measurements
    with CaptureQueriesContext(connection) as few:
        client_a.get("/contracts/export.xlsx")
    for _ in range(30):
        ContractFactory(organization=org_a, product=products["auto"])
    client_a.get("/contracts/export.xlsx")  # new contracts invalidate the cached creditor data once
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/contracts/export.xlsx")
    assert len(sheet(response)[1]) == 31
    assert len(many) == len(few)
