"""Benchmark: «Документы» of one organization holding 50,000 documents, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/documents.py
    .venv/bin/python bench/documents.py --documents 20000   # SQLite, the portable fallback

Creates a throw-away test database, bulk-loads the documents (with words in their text and the
full-text vectors built the way the app builds them), then prints the median and p95 latency of the
list, a filter, deep pages and searches over repeated requests, with the number of SQL queries.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

WORDS = [
    "акт",
    "сверки",
    "универсальный",
    "передаточный",
    "документ",
    "счёт-фактура",
    "договор",
    "лизинга",
    "паспорт",
    "транспортного",
    "средства",
    "уведомление",
    "график",
    "платежей",
    "страховой",
    "полис",
    "дополнительное",
    "соглашение",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from timing import throwaway_database

    with throwaway_database() as connection:
        fill(args.documents)
        measure(args.repeat, connection)


def fill(total: int) -> None:
    from stdnum.ru import inn

    from kabinet.accounts.models import User
    from kabinet.contracts.models import Contract
    from kabinet.creditors.models import Creditor, Product
    from kabinet.documents.models import Document
    from kabinet.documents.services import document_reindex
    from kabinet.organizations.models import Membership, Organization

    started = time.perf_counter()
    rng = random.Random(7)
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
    products = [Product.objects.create(creditor=creditor, name=n) for n in ("Автолизинг", "Спецтехника")]
    orgs = []
    for n in range(3):
        base = f"77{n:07d}"
        orgs.append(
            Organization.objects.create(name=f"Org {n}", inn=base + inn.calc_company_check_digit(base), status="active")
        )
    org = orgs[0]
    contracts = Contract.objects.bulk_create(
        Contract(organization=o, product=products[i % 2], number=f"AL-{o.pk}-{i:05d}", status="active", amount=1)
        for o in orgs
        for i in range(300)
    )
    own = [c for c in contracts if c.organization_id == org.pk]
    start = date(2020, 1, 1)
    batch = []
    for i in range(total + total // 5):
        o = org if i < total else orgs[1 + i % 2]
        contract = rng.choice(own) if o is org else None
        kind = rng.choice(WORDS)
        batch.append(
            Document(
                organization=o,
                direction="incoming" if i % 10 else "uploaded",
                category=rng.choice(["deal", "accounting"]),
                doc_type=kind.capitalize(),
                title=f"{kind.capitalize()} № {i}",
                contract=contract,
                product_id=contract.product_id if contract else None,
                document_date=start + timedelta(days=i % 2400),
                file=f"documents/bench/{i}.pdf",
                original_name=f"{kind} {i}.pdf",
                text=" ".join(rng.choice(WORDS) for _ in range(60)),
            )
        )
        if len(batch) == 5000:
            Document.objects.bulk_create(batch)
            batch = []
    Document.objects.bulk_create(batch)
    document_reindex()
    if connection_vendor() == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    user = User.objects.create_user("+79000000001", "bench-password-1")
    Membership.objects.create(user=user, organization=org, role="admin", status="active")
    print(
        f"filled {total} documents in one organization (+{total // 5} in others) in "
        f"{time.perf_counter() - started:.1f} s"
    )


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def measure(repeat: int, connection) -> None:
    from timing import time_pages_signed_in

    cases = [
        ("list, page 1", "/documents/"),
        ("list, page 100", "/documents/?page=100"),
        ("list, oldest first", "/documents/?sort=date"),
        ("filter: type + date range", "/documents/?doc_type=Акт&date_from=2022-01-01&date_to=2022-12-31"),
        ("search: one word (стемминг)", "/documents/?q=договоры"),
        ("search: two words", "/documents/?q=страховой+полис"),
        ("search: a number", "/documents/?q=12345"),
        ("search: contract number part", "/documents/?q=AL-"),
    ]
    time_pages_signed_in("+79000000001", connection, cases, repeat)


if __name__ == "__main__":
    main()
