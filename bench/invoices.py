"""Benchmark: issuing an invoice (POST: number + snapshot + PDF rendered once and stored) and
downloading an issued one (GET: the stored file, no rendering), and the reconciliation statement.

    .venv/bin/python bench/invoices.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/invoices.py --issue 30

Builds a throw-away database (SQLite in a temp folder unless DATABASE_URL is set; on PostgreSQL the
database test_<name> is created and dropped afterwards), fills one organization among others, then
prints the median and p95 time and the SQL queries of each request. Goals: download
≤ 20 ms p50 and ≤ 4 queries; issue (render) ≤ 300 ms p95. `--profile FILE` writes the issues' cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
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
    parser.add_argument("--profile", default="", help="write the issues' cProfile to this file")
    parser.add_argument("--issue-only", action="store_true", help="stop after the issues")
    args = parser.parse_args()

    from timing import throwaway_database

    with throwaway_database() as connection:
        payments, contracts = fill(args.contracts, args.orgs)
        measure(connection, payments, contracts, args.issue, args.repeat, args.profile, args.issue_only)


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


def measure(
    connection,
    payments: list[int],
    contracts: list[tuple[int, str]],
    issue: int,
    repeat: int,
    profile: str = "",
    issue_only: bool = False,
) -> None:
    from django.test import Client
    from timing import HEADER, count_queries, percentiles, row, time_pages, timed

    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=PHONE))
    client.get("/dashboard/")  # warm up templates and the session
    # A server process imports WeasyPrint and loads the fonts as it starts (gunicorn's post_worker_init,
    # `kabinet.core.pdf.warm_up`): the same here, so the figures are those of a running server.
    from kabinet.core.pdf import warm_up

    warm_up()

    # Issuing: a POST per payment (each takes a number, freezes the snapshot, renders and stores the PDF).
    timings, queries, location, cpu = [], [], "", []
    profiler = cProfile.Profile() if profile else None
    for payment_id in payments[:issue]:
        with count_queries(connection) as executed:
            if profiler:
                profiler.enable()
            cpu_started = time.process_time()
            response, ms = timed(lambda payment_id=payment_id: client.post(f"/invoices/payment/{payment_id}/"))
            cpu.append((time.process_time() - cpu_started) * 1000)
            if profiler:
                profiler.disable()
        timings.append(ms)
        queries.append(len(executed))
        assert response.status_code == 302, response.status_code
        location = response["Location"]
    if profiler:
        profiler.dump_stats(profile)
    median, p95 = percentiles(timings)
    print(f"database: {connection.vendor}")
    print(HEADER)
    print(row("issue an invoice (POST, renders)", median, p95, max(queries)))
    # This process's CPU time (the database's own is not in it): on a busy machine the wall clock waits
    # for a core, the CPU time much less.
    print(row("  the same, CPU time of the process", *percentiles(cpu)))
    if issue_only:
        return
    # The same POST again returns the issued invoice (no number, no render).
    _, ms = timed(lambda: client.post(f"/invoices/payment/{payments[0]}/"))
    print(row("issue again (same invoice)", ms))

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
    def download() -> bytes:
        response = client.get(location)
        body = b"".join(response.streaming_content)
        response.close()
        return body

    downloads = [timed(download) for _ in range(repeat)]
    median, p95 = percentiles([ms for _, ms in downloads])
    print(row("download incl. reading the body", median, p95, note=f"({len(downloads[0][0]) // 1024} KB PDF)"))

    from django.utils import timezone

    today = timezone.localdate()
    for label, contract, fmt in (
        ("statement, one contract, PDF", statement_contract, "pdf"),
        ("statement, one contract, XLSX", statement_contract, "xlsx"),
        (f"statement, all {len(contracts)} contracts, XLSX", "", "xlsx"),
        (f"statement, all {len(contracts)} contracts, PDF", "", "pdf"),
    ):
        form = {
            "date_from": today.replace(month=1, day=1).isoformat(),
            "date_to": today.isoformat(),
            "contract": contract,
            "format": fmt,
        }
        response, ms = timed(lambda form=form: client.post("/statements/", form))
        assert response.status_code == 200, response.status_code
        if "attachment" in response.get("Content-Disposition", ""):
            print(row(label, ms, note=f"({len(response.content) // 1024} KB)"))
        else:  # a PDF of too many entries is refused with a message on the form (the XLSX has no limit)
            print(row(label, ms, note="(refused: too many entries for a PDF)"))


if __name__ == "__main__":
    main()
