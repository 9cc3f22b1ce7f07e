"""The plans of the client pages' list and search queries: each scan of an organization's
table goes through an index led by `organization_id` (or fetches rows by primary key for a page
already chosen), and no sort node sorts more than a page of rows.

Used by the EXPLAIN test (tier S, in the suite) and by hand on a generated database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/explain.py
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Organization-owned tables big enough that a scan of all of them, or a sort of one organization's
# rows, would show at scale.
BIG_TABLES = {
    "contracts_contract",
    "contracts_scheduledpayment",
    "contracts_leaseditem",
    "contracts_booksdebt",
    "contracts_paymentreceived",
    "contracts_allocation",
    "contracts_penalty",
    "documents_document",
    "appeals_appeal",
    "notifications_notification",
}
# A sort may hold a page and a little more (the calendar's step, «one more» rows), not every row.
SORT_LIMIT = 200


def pages(
    contract_id: int, contract_number: str, vin_part: str, plate: str, calendar_after: str = ""
) -> list[tuple[str, str, dict]]:
    return [
        ("main", "/dashboard/", {}),
        # «Показать еще» sends the cursor of the page's last row (the calendar's keyset).
        ("calendar «Показать еще»", f"/dashboard/?after={quote(calendar_after)}", {"HX-Request": "true"}),
        ("contracts", "/contracts/", {}),
        ("contracts, deep page", "/contracts/?page=20", {}),
        ("contracts, VIN search", f"/contracts/?q={vin_part}", {}),
        ("contracts, plate search", f"/contracts/?q={plate}", {}),
        ("documents", "/documents/", {}),
        ("documents, word search", "/documents/?q=договор", {}),
        ("documents, contract filter", f"/documents/?contract={contract_number}", {}),
        ("contract picker", f"/documents/contracts/?contract={contract_number[:6]}", {"HX-Request": "true"}),
        ("requests", "/requests/", {}),
        ("notifications", "/notifications/", {}),
        ("contract card", f"/contracts/{contract_id}/", {}),
        ("card tab: items", f"/contracts/{contract_id}/items/", {"HX-Request": "true"}),
        ("card tab: deal documents", f"/contracts/{contract_id}/deal-documents/", {"HX-Request": "true"}),
    ]


def _index_columns(cursor) -> dict[str, str]:
    """index name → its first column (or expression)."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid, 1, true)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s)
        """,
        [sorted(BIG_TABLES)],
    )
    return dict(cursor.fetchall())


def _walk(node, parent=None):
    yield node, parent
    for child in node.get("Plans", []):
        yield from _walk(child, node)


def check_plan(plan: dict, first_columns: dict[str, str]) -> list[str]:
    problems = []
    for node, _parent in _walk(plan):
        kind = node["Node Type"]
        table = node.get("Relation Name")
        if kind == "Seq Scan" and table in BIG_TABLES:
            problems.append(f"sequential scan of {table}")
        if kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
            index = node.get("Index Name", "")
            first = first_columns.get(index)
            if first is None:  # not one of the big tables' indexes
                continue
            condition = node.get("Index Cond", "") or ""
            # Rows of one row already chosen through the organization: by primary key (a page's rows),
            # or one contract's rows (its schedule, its items) by the contract.
            by_key = first in ("id", "contract_id") and re.search(rf"\({first} = |\b{first} = ANY", condition)
            if first != "organization_id" and not by_key:
                problems.append(f"index {index} (led by {first}) with {condition or 'no condition'}")
        if kind in ("Sort", "Incremental Sort"):
            rows = node["Plans"][0].get("Plan Rows", 0)
            if rows > SORT_LIMIT:
                problems.append(f"sort of {rows} rows by {node.get('Sort Key')}")
    return problems


def explain_pages(client, connection, cases) -> dict[str, list[str]]:
    """GET each page, EXPLAIN every query it ran on a big table; the problems found per page."""
    from django.test.utils import CaptureQueriesContext

    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        first_columns = _index_columns(cursor)
    for name, url, headers in cases:
        client.get(url, headers=headers)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        problems = []
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not any(f'"{t}"' in sql or f" {t} " in sql for t in BIG_TABLES) or not sql.lstrip().startswith(
                ("SELECT", "WITH")
            ):
                continue
            with connection.cursor() as cursor:
                # Small tables (tier S) make a sequential scan the cheapest plan; with it priced out,
                # a sequential scan left in the plan means no index can serve the query at all.
                cursor.execute("SET LOCAL enable_seqscan = off") if connection.in_atomic_block else cursor.execute(
                    "SET enable_seqscan = off"
                )
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                if not connection.in_atomic_block:
                    cursor.execute("RESET enable_seqscan")
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            for problem in check_plan(plan, first_columns):
                problems.append(f"{problem}\n      in: {sql[:300]}")
        found[name] = problems
    return found


def signed_in_client(phone: str):
    from django.test import Client

    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=phone))
    return client


def sample(org_id: int) -> tuple[int, str, str, str, str]:
    """A contract of the organization with documents, part of a VIN, a plate in Latin letters, and the
    cursor «Показать еще» sends for the calendar's second page."""
    from kabinet.contracts.models import LeasedItem
    from kabinet.documents.models import Document

    contract_id = (
        Document.objects.filter(organization_id=org_id, contract__isnull=False, category="deal")
        .values_list("contract_id", flat=True)
        .first()
    )
    if contract_id is None:
        raise SystemExit(f"organization {org_id} has no contract with documents")
    item = LeasedItem.objects.filter(organization_id=org_id, contract_id=contract_id).first()
    if item is None:
        raise SystemExit(f"organization {org_id}'s contract {contract_id} has no leased item")
    from kabinet.contracts.models import Contract

    number = Contract.objects.get(pk=contract_id).number
    latin = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
    from kabinet.contracts import ledger
    from kabinet.contracts.views import CALENDAR_STEP
    from kabinet.organizations.models import Organization

    after = ledger.calendar_page(Organization.objects.get(pk=org_id), None, limit=CALENDAR_STEP).next_cursor or ""
    return contract_id, number, item.vin[-8:], item.plate.translate(latin).lower()[:6], after


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import secrets

    # A throw-away key: production settings refuse the development key when DEBUG is off.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.generate import ADMIN_PHONE
    from kabinet.organizations.models import Membership

    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    org_id = Membership.objects.get(user__phone=ADMIN_PHONE).organization_id
    found = explain_pages(signed_in_client(ADMIN_PHONE), connection, pages(*sample(org_id)))
    for name, problems in found.items():
        print(f"{'OK ' if not problems else 'BAD'} {name}")
        for p in problems:
            print(f"    {p}")


if __name__ == "__main__":
    main()
