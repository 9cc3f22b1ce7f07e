"""Where one page's time goes, in-process (cProfile): SQL, template rendering, the rest.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/profile_page.py /documents/
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "/documents/"
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    import secrets

    # A throw-away key: production settings refuse the development key when DEBUG is off.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.generate import ADMIN_PHONE
    from kabinet.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(phone=ADMIN_PHONE))
    headers = {"HX-Request": "true"} if "--hx" in sys.argv else {}
    client.get(url, headers=headers)
    sql_seconds = 0.0

    def timed(execute, sql, params, many, context):
        nonlocal sql_seconds
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds += time.perf_counter() - started

    # Unprofiled first: the median of `repeat` requests and the queries of one.
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, headers=headers)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, headers=headers)
    timings.sort()
    print(
        f"{url}: p50 {timings[len(timings) // 2] * 1000:.1f} ms (unprofiled, {repeat} requests), {len(captured)} queries"
    )

    profiler = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        profiler.enable()
        for _ in range(repeat):
            client.get(url, headers=headers)
        profiler.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    render = max(
        (v[3] for k, v in stats.stats.items() if k[2] == "render" and k[0].endswith("django/template/base.py")),
        default=0.0,
    )
    print(
        f"{url}: {total / repeat * 1000:.1f} ms a request (under the profiler); SQL {sql_seconds / repeat * 1000:.1f} ms"
    )
    print(f"template rendering (Template.render, cumulative) ≈ {render / repeat * 1000:.1f} ms")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    main()
