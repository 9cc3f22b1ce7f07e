"""Shared by the page benchmarks: a throw-away database, time requests, count their SQL queries, print the rows."""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def throwaway_database() -> Iterator[object]:
    """Django set up on a temporary folder and a fresh database (SQLite in that folder unless DATABASE_URL
    is set; PostgreSQL's is created as test_<name>), dropped afterwards. Yields the connection."""
    tmp = tempfile.mkdtemp(prefix="kabinet-bench-")
    os.environ.setdefault("KABINET_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    # A throw-away key: the settings refuse the development key when DEBUG is off.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
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
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


HEADER = f"{'request':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"


@contextlib.contextmanager
def count_queries(connection) -> Iterator[list[str]]:
    """The SQL executed inside the block, appended to the yielded list as it runs."""
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield executed


def percentiles(timings: list[float]) -> tuple[float, float]:
    """(median, p95) of the timings."""
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """fn's result and the milliseconds it took."""
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def row(name: str, median: float, p95: float | None = None, queries: int | None = None, note: str = "") -> str:
    """One line of the table under HEADER (blank where a figure does not apply)."""
    p95_text = f"{p95:8.1f}" if p95 is not None else f"{'':>8}"
    queries_text = f"{queries:8d}" if queries is not None else f"{'':>8}"
    return f"{name:36} {median:10.1f} {p95_text} {queries_text}" + (f"  {note}" if note else "")


def time_pages(client, connection, cases: list[tuple[str, str]], repeat: int) -> None:
    """Print the median and p95 latency and the query count of each (name, url)."""
    print(f"database: {connection.vendor}; {repeat} requests each")
    print(HEADER)
    for name, url in cases:
        with count_queries(connection) as executed:
            assert client.get(url).status_code == 200, url
        timings = [timed(lambda url=url: client.get(url))[1] for _ in range(repeat)]
        median, p95 = percentiles(timings)
        print(row(name, median, p95, len(executed)))


def time_pages_signed_in(phone: str, connection, cases: list[tuple[str, str]], repeat: int) -> None:
    """`time_pages` as the demo user with this phone, signed in once."""
    from django.test import Client

    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=phone))
    time_pages(client, connection, cases, repeat)
