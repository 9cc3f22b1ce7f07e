"""The unfiltered «Документы» read by queries compiled once (`core.prepared_pages`): every page and the
capped count must be what the ORM's own queryset gives, for each organization, direction and order,
whichever call compiled them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kabinet.core.keyset import keyset_page
from kabinet.documents import selectors
from kabinet.documents.tests.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(org_a, org_b, products):
    for n in range(7):
        make_document(org_a, title=f"Акт {n}", day=date(2026, 1, 1) + timedelta(days=n % 3), product=products["auto"])
    make_document(org_a, title="Загружен", direction="uploaded")
    for n in range(3):
        make_document(org_b, title=f"Чужой {n}", day=date(2026, 1, 1) + timedelta(days=n))


def _expected(org, direction, sort):
    return [
        (d.pk, d.product.name if d.product else None, d.title, d.contract_id, d.document_date)
        for d in selectors.document_list(org, direction=direction, sort=sort)
    ]


def _shown(rows):
    return [(r.pk, r.product_name, r.title, r.contract_id, r.document_date) for r in rows]


@pytest.mark.parametrize("sort", ["-date", "date"])
@pytest.mark.parametrize("direction", ["incoming", "uploaded"])
def test_every_window_and_the_count_are_the_querysets(documents, org_a, org_b, direction, sort):
    for org in (org_a, org_b, org_a):
        expected = _expected(org, direction, sort)
        plain = selectors.PlainDocumentRows(org, direction=direction, sort=sort, cap=1000)
        assert plain.count() == len(expected)
        for offset in range(0, 9):
            for limit in (1, 2, 5):
                assert _shown(plain[offset : offset + limit]) == expected[offset : offset + limit]


def test_the_count_stops_after_the_cap(documents, org_a):
    assert selectors.PlainDocumentRows(org_a, direction="incoming", sort="-date", cap=3).count() == 4
    assert selectors.PlainDocumentRows(org_a, direction="incoming", sort="-date", cap=100).count() == 7


def test_rows_of_a_filtered_list_are_the_documents(documents, org_a):
    queryset = selectors.document_list(org_a, direction="incoming", q="акт")
    assert _shown(selectors.document_rows(queryset)) == [
        (d.pk, d.product.name, d.title, d.contract_id, d.document_date) for d in queryset
    ]


@pytest.fixture
def searchable(org_a, org_b):
    titles = ["Договор лизинга 1", "Акт сверки_2", "Договоры 100%", "Счёт \\ 4", "акт приёма", "Договор лизинга 6"]
    for n, title in enumerate(titles):
        make_document(org_a, title=title, day=date(2026, 2, 1) + timedelta(days=n % 2))
    make_document(org_b, title="Договор лизинга чужой")


@pytest.mark.parametrize(
    "q", ["договор", "ДОГОВОРЫ лизинга", "_", "100%", "\\", "акт сверки_2", "нет такого", "a b c d e f g h i"]
)
@pytest.mark.parametrize("sort", ["-date", "date"])
def test_a_word_search_page_is_the_keyset_page_of_the_queryset(searchable, org_a, org_b, q, sort):
    for org in (org_a, org_b):
        after = ""
        for _page in range(4):
            expected = keyset_page(
                selectors.document_rows(selectors.document_list(org, direction="incoming", q=q, sort=sort)),
                "document_date",
                after=after,
                limit=2,
                descending=sort != "date",
            )
            page = selectors.word_search_page(org, direction="incoming", q=q, sort=sort, after=after, limit=2)
            assert _shown(page.object_list) == _shown(expected.object_list), (q, after)
            assert (page.next_cursor, page.after) == (expected.next_cursor, expected.after)
            if not page.next_cursor:
                break
            after = page.next_cursor
