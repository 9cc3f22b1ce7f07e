"""Benchmark: «Закрывающие документы» — the pack of a year for a client with 5,000 contracts (60,000 УПД,
one a month per contract, each with a small PDF), streamed as the browser receives it.

    .venv/bin/python bench/closing_pack.py                      # SQLite, 5,000 contracts
    .venv/bin/python bench/closing_pack.py --contracts 500      # a quick run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/closing_pack.py
    .venv/bin/python bench/closing_pack.py --memory             # also the tracemalloc peak (slower)

Prints the time to the first byte, the whole stream's time and throughput, the archive's size and entry count,
the list page's latency for the month, and (with --memory) the peak of Python's allocations while streaming.
Goals: the first byte under 2 s, a year of 60,000 documents streamed in under 60 s, the list page under
300 ms, the peak of Python's allocations under 64 MB (see bench/RESULTS.md, «Закрывающие документы»).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=5_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--pdf-kb", type=int, default=20, help="each PDF's size (a one-page УПД is about 20 KB)")
    args = parser.parse_args()
    from timing import throwaway_database

    with throwaway_database():
        org = fill(args.contracts, args.year, b"%PDF-1.4\n" + b"0" * (args.pdf_kb * 1024))
        measure(org, args.year, args.memory)


def fill(contracts: int, year: int, pdf: bytes):
    from django.conf import settings

    from kabinet.contracts.models import ClosingDocument, ClosingDocumentVat, Contract
    from kabinet.creditors.models import Creditor, Product
    from kabinet.organizations.models import Organization

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
    org = Organization.objects.create(name="ООО «Большой клиент»", inn="7707083893", status="active")
    Contract.objects.bulk_create(
        Contract(organization=org, product=product, number=f"ДЛ-{n:05d}", amount=Decimal("1000000"))
        for n in range(contracts)
    )
    folder = Path(settings.MEDIA_ROOT) / "closing" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    ids = list(Contract.objects.filter(organization=org).values_list("id", flat=True))
    for month in range(1, 13):
        day = date(year, month, 28)
        documents = []
        for index, contract_id in enumerate(ids):
            name = f"closing/bench/{month:02d}-{index}.pdf"
            (Path(settings.MEDIA_ROOT) / name).write_bytes(pdf)
            documents.append(
                ClosingDocument(
                    organization=org,
                    creditor=creditor,
                    contract_id=contract_id,
                    number=f"{month:02d}-{index:05d}",
                    date=day,
                    amount=Decimal("122000.00"),
                    pdf=name,
                )
            )
        ClosingDocument.objects.bulk_create(documents, batch_size=2000)
        made = ClosingDocument.objects.filter(organization=org, date=day).values_list("id", flat=True)
        ClosingDocumentVat.objects.bulk_create(
            (
                ClosingDocumentVat(
                    organization=org, document_id=pk, rate=Decimal("22"), amount=Decimal("122000"), vat=Decimal("22000")
                )
                for pk in made
            ),
            batch_size=2000,
        )
    print(f"filled {contracts * 12} documents in {time.perf_counter() - started:.1f} s")
    return org


def measure(org, year: int, memory: bool) -> None:
    from django.test import Client

    from kabinet.documents import closing

    start, end = date(year, 1, 1), date(year, 12, 31)
    began = time.perf_counter()
    stream = closing.pack_stream(org, start, end)
    first = next(stream)
    to_first = time.perf_counter() - began
    size = len(first) + sum(len(chunk) for chunk in stream)
    total = time.perf_counter() - began
    print(
        f"pack: first byte {to_first:.2f} s, {size / 2**20:.0f} MB in {total:.1f} s = {size / 2**20 / total:.0f} MB/s"
    )
    if memory:
        tracemalloc.start()
        for _chunk in closing.pack_stream(org, start, end):
            pass
        print(f"pack: peak of Python allocations {tracemalloc.get_traced_memory()[1] / 2**20:.1f} MB")
        tracemalloc.stop()
    from kabinet.accounts.models import User
    from kabinet.organizations.models import Membership

    user = User.objects.create_user(phone="+79000000001", password=None, full_name="Bench")
    Membership.objects.create(user=user, organization=org, role="admin", status="active")
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(10):
        t = time.perf_counter()
        assert client.get("/documents/closing/", {"month": f"{year}-11"}).status_code == 200
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"list page (a month, 25 rows a page): median {times[len(times) // 2] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
