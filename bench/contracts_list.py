"""Benchmark: «Договоры» and «Главная» of one organization among many, at scale.

    .venv/bin/python bench/contracts_list.py --contracts 5000 --orgs 50
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/contracts_list.py

Builds a throw-away database (SQLite in a temp folder unless DATABASE_URL is set; the PostgreSQL
database is created as test_<name> and dropped afterwards), fills it with bulk inserts and prints
the median and p95 time of each page over repeated requests, with the number of SQL queries.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=5000, help="contracts of the measured organization")
    parser.add_argument("--orgs", type=int, default=20, help="other organizations with as many contracts")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    from timing import throwaway_database

    with throwaway_database() as connection:
        fill(args.contracts, args.orgs)
        measure(args.repeat, connection)


def fill(contracts_per_org: int, other_orgs: int):
    from django.utils import timezone
    from stdnum.ru import inn

    from kabinet.accounts.models import User
    from kabinet.contracts.models import Contract, LeasedItem, ScheduledPayment
    from kabinet.creditors.models import Creditor, Product
    from kabinet.organizations.models import Membership, Organization

    started = time.perf_counter()
    creditor = Creditor.objects.create(
        name="Bench",
        short_name="BENCH",
        inn="7812345675",
        bank_name="Bank",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
        is_default=True,
    )
    product = Product.objects.create(creditor=creditor, name="Автолизинг")
    today = timezone.localdate()
    orgs = []
    for n in range(other_orgs + 1):
        base = f"77{n:07d}"
        orgs.append(
            Organization.objects.create(name=f"Org {n}", inn=base + inn.calc_company_check_digit(base), status="active")
        )
    letters = "АВЕКМНОРСТУХ"
    for org in orgs:
        contracts = Contract.objects.bulk_create(
            Contract(
                organization=org,
                product=product,
                number=f"AL-{org.pk}-{i:06d}",
                status="active",
                amount=Decimal("3600000"),
                start_date=today - timedelta(days=i % 900),
            )
            for i in range(contracts_per_org)
        )
        LeasedItem.objects.bulk_create(
            LeasedItem(
                organization=org,
                contract=c,
                make="Kia",
                model="Rio",
                vin=f"Z94C2{org.pk:04d}{i:08d}"[:17],
                plate=f"{letters[i % 12]}{i % 1000:03d}{letters[(i // 12) % 12]}{letters[(i // 144) % 12]}78",
            )
            for i, c in enumerate(contracts)
        )
        ScheduledPayment.objects.bulk_create(
            ScheduledPayment(
                organization=org,
                contract=c,
                number=k,
                due_date=today + timedelta(days=30 * k - 60),
                amount=Decimal("100000"),
                vat_amount=Decimal("18032.79"),
                is_paid=k < 2,
            )
            for c in contracts
            for k in range(6)
        )
    user = User.objects.create_user("+79000000001", "bench-password-1")
    Membership.objects.create(user=user, organization=orgs[0], role="admin", status="active")
    print(
        f"filled {len(orgs)} organizations × {contracts_per_org} contracts (+items, 6 payments each) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return orgs[0]


def measure(repeat: int, connection) -> None:
    from timing import time_pages_signed_in

    cases = [
        ("dashboard", "/dashboard/"),
        ("contracts, page 1", "/contracts/"),
        ("contracts, page 50", "/contracts/?page=50"),
        ("contracts, filter by status", "/contracts/?status=active"),
        ("contracts, search by number", "/contracts/?q=000123"),
        ("contracts, search by Latin plate", "/contracts/?q=a123bc"),
    ]
    time_pages_signed_in("+79000000001", connection, cases, repeat)


if __name__ == "__main__":
    main()
