"""Shared by the page benchmarks: time GET requests and count their SQL queries."""

from __future__ import annotations

import statistics
import time


def time_pages(client, connection, cases: list[tuple[str, str]], repeat: int) -> None:
    """Print the median and p95 latency and the query count of each (name, url)."""
    print(f"database: {connection.vendor}; {repeat} requests each")
    print(f"{'request':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, url in cases:
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(url).status_code == 200, url
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{name:36} {statistics.median(timings):10.1f} {p95:8.1f} {len(executed):8d}")


def time_pages_signed_in(phone: str, connection, cases: list[tuple[str, str]], repeat: int) -> None:
    """`time_pages` as the demo user with this phone, signed in once."""
    from django.test import Client

    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=phone))
    time_pages(client, connection, cases, repeat)
