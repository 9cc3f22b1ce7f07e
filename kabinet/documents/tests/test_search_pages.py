"""«Документы», a word search: keyset «Показать еще» pages by (date, id), no count over the matches."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.documents.models import Document
from kabinet.documents.tests.conftest import make_document

MORE = re.compile(r'<tr id="documents-more"[^>]*>.*?href="([^"]+)"', re.S)


def ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'name="ids" value="(\d+)"', html)]


def more_url(html: str) -> str | None:
    found = MORE.search(html)
    return "/documents/" + unescape(found.group(1)) if found else None


@pytest.fixture
def matches(org_a, settings):
    """Nine documents with the word, several on the same day (the id decides their order), and others
    without it in between."""
    settings.KABINET_PAGE_SIZE = 2
    days = [date(2026, 1, 5)] * 4 + [date(2026, 1, 3)] * 2 + [date(2026, 2, 1), date(2025, 12, 31), date(2026, 1, 4)]
    found = [make_document(org_a, title=f"Акт сверки № {n}", day=day) for n, day in enumerate(days)]
    for n in range(4):
        make_document(org_a, title=f"Уведомление {n}", doc_type="Письмо", day=date(2026, 1, 5))
    return found


def walk(client, params: dict, *, htmx: bool) -> tuple[list[int], int]:
    """Follows «Показать еще» from the first page to the last; the ids in the order shown, and the pages."""
    response = client.get("/documents/", params)
    html = response.content.decode()
    shown, pages = ids(html), 1
    url = more_url(html)
    while url:
        headers = {"HX-Request": "true"} if htmx else {}
        html = client.get(url, headers=headers).content.decode()
        if htmx:
            assert "<html" not in html and "<table" not in html  # rows appended in place, nothing else
        shown += ids(html)
        url = more_url(html)
        pages += 1
        assert pages < 20
    return shown, pages


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("sort", ["-date", "date"])
def test_every_match_is_shown_exactly_once_in_order_across_the_pages(client_a, matches, sort, htmx):
    shown, pages = walk(client_a, {"q": "акт", "sort": sort}, htmx=htmx)
    newest = sorted(matches, key=lambda d: (d.document_date, d.pk), reverse=True)
    expected = [d.pk for d in (newest if sort == "-date" else reversed(newest))]
    assert shown == expected
    assert pages == 5  # 9 matches, 2 a page


def test_a_word_search_is_not_counted_and_has_no_page_numbers(client_a, matches):
    with CaptureQueriesContext(connection) as ctx:
        html = client_a.get("/documents/", {"q": "акт"}).content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if "documents_document" in sql]
    assert "Показать ещё" in html and "page=2" not in html
    assert 'data-testid="documents-count"' not in html
    assert "Всё, что нашёл поиск" in html  # the ZIP of everything found, without a count
    # Without words, the list keeps its numbered pages and its count.
    listed = client_a.get("/documents/").content.decode()
    assert "page=2" in listed and "13 документов" in listed and "documents-more" not in listed


def test_the_next_page_holds_rows_added_before_the_cursor_out_and_never_repeats(client_a, org_a, matches):
    first = client_a.get("/documents/", {"q": "акт"}).content.decode()
    assert more_url(first)
    make_document(org_a, title="Акт сверки свежий", day=date(2026, 3, 1))  # newer than everything shown
    second = client_a.get(more_url(first), headers={"HX-Request": "true"}).content.decode()
    assert not set(ids(first)) & set(ids(second))
    assert Document.objects.get(title="Акт сверки свежий").pk not in ids(second)


@pytest.mark.parametrize("after", ["junk", "2026-13-01_5", "2026-01-05_x", "_", "2026-01-05"])
def test_a_malformed_cursor_shows_the_first_page(client_a, matches, after):
    assert ids(client_a.get("/documents/", {"q": "акт", "after": after}).content.decode()) == ids(
        client_a.get("/documents/", {"q": "акт"}).content.decode()
    )


def test_the_zip_of_everything_found_ignores_the_cursor(client_a, matches):
    html = client_a.get("/documents/", {"q": "акт"}).content.decode()
    second = more_url(html)
    assert second
    page_two = client_a.get(second).content.decode()
    assert 'name="after"' not in page_two  # the select form posts the filters, not the page position


def test_the_search_pages_query_count_does_not_grow_with_documents(client_a, org_a, matches):
    def count() -> tuple[int, int]:
        first = client_a.get("/documents/", {"q": "акт"}).content.decode()  # the header's cache is warm
        url = more_url(first)
        assert url
        with CaptureQueriesContext(connection) as page_one:
            client_a.get("/documents/", {"q": "акт"})
        with CaptureQueriesContext(connection) as more:
            client_a.get(url, headers={"HX-Request": "true"})
        return len(page_one.captured_queries), len(more.captured_queries)

    before = count()
    for n in range(30):
        make_document(org_a, title=f"Акт приёма № {n}", day=date(2026, 1, 5))
    assert count() == before
