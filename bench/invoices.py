"""Benchmark: issuing an invoice (POST: number + snapshot + PDF rendered once and stored) and
downloading an issued one (GET: the stored file, no rendering), and the reconciliation statement.

    .venv/bin/python bench/invoices.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/invoices.py --issue 30

Builds a throw-away database (SQLite in a temp folder unless DATABASE_URL is set; on PostgreSQL the
database test_<name> is created and dropped afterwards), fills one organization among others, then
prints the median and p95 time and the SQL queries of each request. Goals (issue 12): download
≤ 20 ms p50 and ≤ 4 queries; issue (render) ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PHONE = "+79000000001"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=500, help="contracts of the measured organization")
    parser.add_argument("--orgs", type=int, default=5, help="other organizations with as many contracts")
    parser.add_argument("--issue", type=int, default=20, help="invoices to issue (each renders one PDF)")
    parser.add_argument("--repeat", type=int, default=100, help="downloads of an issued invoice")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="kabinet-bench-")
    os.environ.setdefault("KABINET_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.MEDIA_ROOT = Path(tmp) / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        payments, contracts = fill(args.contracts, args.orgs)
        measure(connection, payments, contracts, args.issue, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def fill(contracts_per_org: int, other_orgs: int):
    from django.utils import timezone
    from stdnum.ru import inn

    from kabinet.accounts.models import User
    from kabinet.contracts.models import Contract, ScheduledPayment
    from kabinet.creditors.models import Creditor, Product
    from kabinet.organizations.models import Membership, Organization

    started = time.perf_counter()
    creditor = Creditor.objects.create(
        name="ООО «Балтийский лизинг»",
        short_name="BENCH",
        inn="7812345675",
        kpp="783801001",
        bank_name="ПАО Сбербанк",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
        director_name="Балтийский А. В.",
        accountant_name="Счётова Е. П.",
        is_default=True,
    )
    product = Product.objects.create(creditor=creditor, name="Автолизинг")
    today = timezone.localdate()
    orgs = []
    for n in range(other_orgs + 1):
        base = f"77{n:07d}"
        orgs.append(
            Organization.objects.create(
                name=f"ООО «Организация {n}»", inn=base + inn.calc_company_check_digit(base), status="active"
            )
        )
    for org in orgs:
        contracts = Contract.objects.bulk_create(
            Contract(
                organization=org,
                product=product,
                number=f"AL-{org.pk}-{i:06d}",
                status="active",
                amount=Decimal("3600000"),
                start_date=today - timedelta(days=400),
                signed_on=today - timedelta(days=400),
            )
            for i in range(contracts_per_org)
        )
        ScheduledPayment.objects.bulk_create(
            ScheduledPayment(
                organization=org,
                contract=c,
                number=k,
                due_date=today + timedelta(days=30 * k - 300),
                amount=Decimal("99562.65"),
                vat_rate=Decimal("20") if k < 4 else Decimal("22"),
                vat_amount=Decimal("0"),
            )
            for c in contracts
            for k in range(1, 25)
        )
    user = User.objects.create_user(PHONE, "bench-password-1")
    Membership.objects.create(user=user, organization=orgs[0], role="admin", status="active")
    print(
        f"filled {len(orgs)} organizations × {contracts_per_org} contracts (24 schedule lines each) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    org = orgs[0]
    future = ScheduledPayment.objects.filter(organization=org, due_date__gte=today).order_by("due_date", "pk")
    return list(future.values_list("pk", flat=True)), list(
        Contract.objects.filter(organization=org).order_by("pk").values_list("pk", "number")
    )


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def measure(connection, payments: list[int], contracts: list[tuple[int, str]], issue: int, repeat: int) -> None:
    from django.test import Client
    from timing import time_pages

    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=PHONE))
    client.get("/dashboard/")  # warm up templates, fonts and the session

    # Issuing: a POST per payment (each takes a number, freezes the snapshot, renders and stores the PDF).
    timings, queries, location = [], [], ""
    for payment_id in payments[:issue]:
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.post(f"/invoices/payment/{payment_id}/")
        timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(executed))
        assert response.status_code == 302, response.status_code
        location = response["Location"]
    median, p95 = _percentiles(timings)
    print(f"database: {connection.vendor}")
    print(f"{'request':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    print(f"{'issue an invoice (POST, renders)':36} {median:10.1f} {p95:8.1f} {max(queries):8d}")
    # The same POST again returns the issued invoice (no number, no render).
    started = time.perf_counter()
    client.post(f"/invoices/payment/{payments[0]}/")
    print(f"{'issue again (same invoice)':36} {(time.perf_counter() - started) * 1000:10.1f} {'':>8} {'':>8}")

    # Downloads: GETs of the stored file, and the pages around it.
    statement_contract = contracts[0][1]
    time_pages(
        client,
        connection,
        [
            ("download an issued invoice (GET)", location),
            ("issued invoices list", "/invoices/"),
            ("invoice page of a payment (GET)", f"/invoices/payment/{payments[-1]}/"),
            ("statement form (GET)", "/statements/"),
        ],
        repeat,
    )
    # The download body is the stored file read back (the test client does not stream it otherwise).
    started = time.perf_counter()
    for _ in range(repeat):
        response = client.get(location)
        body = b"".join(response.streaming_content)
        response.close()
    per = (time.perf_counter() - started) * 1000 / repeat
    print(f"{'download incl. reading the body':36} {per:10.1f} {'':>8} {'':>8}  ({len(body) // 1024} KB PDF)")

    from django.utils import timezone

    today = timezone.localdate()
    for label, contract, fmt in (
        ("statement, one contract, PDF", statement_contract, "pdf"),
        ("statement, one contract, XLSX", statement_contract, "xlsx"),
        (f"statement, all {len(contracts)} contracts, XLSX", "", "xlsx"),
        (f"statement, all {len(contracts)} contracts, PDF", "", "pdf"),
    ):
        started = time.perf_counter()
        response = client.post(
            "/statements/",
            {
                "date_from": today.replace(month=1, day=1).isoformat(),
                "date_to": today.isoformat(),
                "contract": contract,
                "format": fmt,
            },
        )
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"], response.status_code
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{label:36} {elapsed:10.1f} {'':>8} {'':>8}  ({len(response.content) // 1024} KB)")


if __name__ == "__main__":
    main()
