"""«Договоры» read by queries compiled once (`core.prepared_pages.PreparedList`): every page and count,
whatever the filters and the words searched (LIKE's own characters included), must be what
`selectors.contract_list`'s queryset gives, for each organization, whichever call compiled them."""

from __future__ import annotations

import pytest

from kabinet.contracts import selectors
from kabinet.contracts.models import Contract
from kabinet.testing.factories import ContractFactory, LeasedItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts(org_a, org_b, products):
    numbers = ["AL-26-001", "AL-26-002", "KT_26%003", "AL\\26-004", "KT-25-005", "AL-24-006", "ал-26-007"]
    made = []
    for n, number in enumerate(numbers):
        status = Contract.Status.CLOSED if n % 3 == 0 else Contract.Status.ACTIVE
        product = products["auto"] if n % 2 else products["truck"]
        made.append(ContractFactory(organization=org_a, product=product, number=number, status=status))
    LeasedItemFactory(contract=made[0], vin="XW8AN2NE5JH012345", plate="А123ВС78")
    LeasedItemFactory(contract=made[3], vin="Z94K241CBMR654321", plate="Е456КХ198")
    ContractFactory(organization=org_b, product=products["auto"], number="AL-26-001")
    return made


QUERIES = ["", "AL", "al-26", "_", "%", "\\", "26%0", "XW8AN2", "654321", "а123вс", "A123BC78", "е 456", "нет"]


@pytest.mark.parametrize("q", QUERIES)
def test_every_page_and_count_are_the_querysets(contracts, org_a, org_b, products, q):
    for org in (org_a, org_b):
        for filters in ({}, {"status": "active"}, {"product_id": products["auto"].pk}):
            expected = [
                (c.pk, c.number, c.status, c.product.name, c.amount)
                for c in selectors.contract_list(org, None, q=q, **filters)
            ]
            pages = selectors.ContractPages(org, None, q=q, **filters)
            assert pages.count() == len(expected), (q, filters)
            for offset in range(0, 8, 3):
                shown = [(r.pk, r.number, r.status, r.product_name, r.amount) for r in pages[offset : offset + 3]]
                assert shown == expected[offset : offset + 3], (q, filters, offset)


def test_a_creditor_section_is_the_querysets(contracts, org_a, products):
    creditor = products["auto"].creditor
    expected = [c.pk for c in selectors.contract_list(org_a, creditor)]
    assert [r.pk for r in selectors.ContractPages(org_a, creditor)[0:20]] == expected
    assert selectors.ContractPages(org_a, creditor).count() == len(expected)
