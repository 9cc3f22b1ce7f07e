"""The plans of the client pages at tier S: every list and search query reads one
organization's rows through an index led by `organization_id` (or one chosen row's rows by key), and
no sort node sorts more than a page of rows. PostgreSQL only: the plans are PostgreSQL's (CI's
PostgreSQL leg runs this)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.explain import explain_pages, pages, sample, signed_in_client
from bench.generate import ADMIN_PHONE, generate

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's (CI's PostgreSQL leg runs these)"
)


@pytest.fixture(scope="module")
def tier_s(django_db_setup, django_db_blocker):
    """Tier S generated once for the module and committed (VACUUM needs that), flushed afterwards."""
    with django_db_blocker.unblock():
        stats = generate(connection, "S", out=lambda *_: None)
        try:
            yield stats
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_bare_row")
            call_command("flush", interactive=False, verbosity=0)


CASES = [name for name, _url, _headers in pages(0, "", "", "")]


@pytest.mark.parametrize("case", CASES)
def test_list_and_search_queries_use_organization_indexes_and_sort_no_more_than_a_page(tier_s, db, case):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = signed_in_client(ADMIN_PHONE)
    cases = [c for c in pages(*sample(tier_s["largest_org_id"])) if c[0] == case]
    problems = explain_pages(client, connection, cases)[case]
    assert not problems, f"{case}:\n" + "\n".join(problems)


def test_the_checker_sees_a_missing_index_and_a_big_sort(tier_s, db):
    """The checker itself: a query by a column with no organization-led index, and a sort of every row."""
    from bench.explain import BIG_TABLES, _index_columns, check_plan

    assert "documents_document" in BIG_TABLES
    with connection.cursor() as cursor:
        first_columns = _index_columns(cursor)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT * FROM documents_document WHERE size > 1000 ORDER BY title")
        plan = cursor.fetchone()[0][0]["Plan"]
    problems = check_plan(plan, first_columns)
    assert any("sequential scan of documents_document" in p for p in problems)
    assert any(p.startswith("sort of") for p in problems)
