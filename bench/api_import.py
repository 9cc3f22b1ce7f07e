"""Benchmark: a 100,000-row schedule import through the integration API, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/api_import.py

Creates a throw-away database with one organization and 2,778 contracts, then sends their 36-month
schedules (100,008 rows) through `POST /api/v1/schedules/` in calls of 20,000 rows, first as new rows
and then again unchanged and changed (updated in place: the lines keep their ids), then 33,336 payments
received (12 per contract) through `POST /api/v1/payments/`, then the schedules changed again (now the
ledger of every contract is recomputed); prints rows per second and queries per call. The goal is
20,000 rows/s for the insert and the update passes.

The last figure divides by this process's CPU time (on SQLite all the work; on PostgreSQL the server's
own is left out): on a busy machine the wall clock waits for a core, the CPU time much less.
The clock runs around each call only (the bodies are JSON-encoded beforehand). BENCH_SCHEDULES_ONLY=1
stops after the three schedule passes; BENCH_PROFILE=<folder> writes each pass's cProfile there
(<pass>.prof, the clock then includes the profiler).
"""

from __future__ import annotations

import cProfile
import json
import os
import secrets
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
    # A throw-away key: the settings refuse the development key when DEBUG is off.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
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
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
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
            for i in range(int(os.environ.get("BENCH_CONTRACTS", "2778")))
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

        profile_dir = os.environ.get("BENCH_PROFILE", "")

        def measure(label, url, key, all_entries, per_call, rows_of):
            # The bodies are encoded before the clock starts: the figure is the server's work (parsing,
            # checking, writing), not the client's json.dumps.
            chunks = [all_entries[i : i + per_call] for i in range(0, len(all_entries), per_call)]
            bodies = [json.dumps({key: chunk}) for chunk in chunks]
            profiler = cProfile.Profile() if profile_dir else None
            elapsed, cpu, queries, rows = 0.0, 0.0, 0, 0
            for chunk, body in zip(chunks, bodies, strict=True):
                executed = []

                def count(execute, sql, params, many, context, executed=executed):
                    executed.append(1)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    if profiler:
                        profiler.enable()
                    response = client.post(url, body, content_type="application/json")
                    if profiler:
                        profiler.disable()
                    elapsed += time.perf_counter() - started
                    cpu += time.process_time() - cpu_started
                assert response.status_code == 200, response.content[:300]
                queries = max(queries, len(executed))
                rows += rows_of(chunk)
            if profiler:
                profiler.dump_stats(os.path.join(profile_dir, f"{label.split()[0]}.prof"))
            print(
                f"{label:18} {rows:7d} rows in {elapsed:6.1f} s = {rows / elapsed:8.0f} rows/s; "
                f"at most {queries} queries a call; {rows / cpu:8.0f} rows per CPU second of this process"
            )

        def schedule_rows(chunk):
            return sum(len(e["payments"]) for e in chunk)

        # 555 contracts × 36 = 19,980 rows a call
        measure("insert", "/api/v1/schedules/", "schedules", entries("118983.33"), 555, schedule_rows)
        ids = dict(ScheduledPayment.objects.values_list("pk", "number"))
        measure("unchanged", "/api/v1/schedules/", "schedules", entries("118983.33"), 555, schedule_rows)
        measure("update", "/api/v1/schedules/", "schedules", entries("120000.00"), 555, schedule_rows)
        assert dict(ScheduledPayment.objects.values_list("pk", "number")) == ids  # updated in place
        payments = [
            {
                "external_id": f"PP-{c.external_id}-{k}",
                "contract": c.external_id,
                "received_on": str(start + timedelta(days=30 * k - 2)),
                "amount": "120000.00",
                "document_number": str(k),
            }
            for c in contracts
            for k in range(1, 13)
        ]
        if os.environ.get("BENCH_SCHEDULES_ONLY"):
            return
        measure("payments", "/api/v1/payments/", "payments", payments, 20000, len)
        measure("update (paid)", "/api/v1/schedules/", "schedules", entries("121000.00"), 555, schedule_rows)
        paid = ScheduledPayment.objects.filter(is_paid=True).count()
        print(f"lines paid in full after the payments: {paid} (of {len(contracts) * 36})")
        assert ScheduledPayment.objects.count() == len(contracts) * 36
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
