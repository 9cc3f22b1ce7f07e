"""Benchmark: a 100,000-row schedule import through the integration API, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/api_import.py

Creates a throw-away database with one organization and 2,778 contracts, then sends their 36-month
schedules (100,008 rows) through `POST /api/v1/schedules/` in calls of 20,000 rows, first as new rows
and then again unchanged and changed; prints rows per second and queries per call.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    os.environ.setdefault("KABINET_VAR_DIR", tempfile.mkdtemp(prefix="kabinet-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from stdnum.ru import inn

    from kabinet.api.models import ApiToken
    from kabinet.contracts.models import Contract, ScheduledPayment
    from kabinet.creditors.models import Creditor, Product
    from kabinet.organizations.models import Organization

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        creditor = Creditor.objects.create(
            name="Bench",
            short_name="B",
            inn="7812345675",
            bank_name="Bank",
            bic="044030653",
            settlement_account="40702810755000012345",
            correspondent_account="30101810500000000653",
        )
        product = Product.objects.create(creditor=creditor, name="Автолизинг")
        base = "770000001"
        org = Organization.objects.create(name="Org", inn=base + inn.calc_company_check_digit(base), status="active")
        contracts = Contract.objects.bulk_create(
            Contract(organization=org, product=product, number=f"AL-{i:05d}", external_id=f"C-{i:05d}", amount=1)
            for i in range(2778)
        )
        _, key = ApiToken.issue(name="bench", staff_wide=True, can_read=True, can_write=True)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        start = date(2026, 1, 15)

        def entries(amount: str):
            return [
                {
                    "contract": c.external_id,
                    "payments": [
                        {
                            "number": k,
                            "due_date": str(start + timedelta(days=30 * k)),
                            "amount": amount,
                            "vat_rate": "22",
                        }
                        for k in range(1, 37)
                    ],
                }
                for c in contracts
            ]

        print(f"database: {connection.vendor}; {len(contracts)} contracts × 36 = {len(contracts) * 36} rows")
        for label, amount in (("insert", "118983.33"), ("unchanged", "118983.33"), ("update", "120000.00")):
            all_entries = entries(amount)
            started, queries, rows = time.perf_counter(), 0, 0
            for i in range(0, len(all_entries), 555):  # 555 contracts × 36 = 19,980 rows a call
                chunk = all_entries[i : i + 555]
                executed = []

                def count(execute, sql, params, many, context, executed=executed):
                    executed.append(1)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    response = client.post(
                        "/api/v1/schedules/", json.dumps({"schedules": chunk}), content_type="application/json"
                    )
                assert response.status_code == 200, response.content[:300]
                queries = max(queries, len(executed))
                rows += sum(len(e["payments"]) for e in chunk)
            elapsed = time.perf_counter() - started
            print(
                f"{label:10} {rows:7d} rows in {elapsed:6.1f} s = {rows / elapsed:8.0f} rows/s; "
                f"at most {queries} queries a call"
            )
        assert ScheduledPayment.objects.count() == len(contracts) * 36
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
