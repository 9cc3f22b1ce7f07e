"""Where one page's time goes, in-process (cProfile): SQL, template rendering, the rest.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/profile_page.py /documents/

It also counts a request's Python function calls (cProfile's total, C functions included), which
are deterministic for a given tree and data: `count_calls` is shared with the call-budget test
(kabinet/web/tests/test_call_budget.py), which holds every client page under its budget in
bench/call_budget.json. After a change that moves the counts (templates, middleware, a merge):

    .venv/bin/python bench/profile_page.py --write-budget                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_x .venv/bin/python bench/profile_page.py --write-budget

re-measures every page in the test's own scenario and rewrites that database's budgets.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


BUDGET_FILE = Path(__file__).resolve().parent / "call_budget.json"
# The budget is the measured count plus this share: room for a harmless edit, not for a regression.
BUDGET_MARGIN = 0.03


def count_calls(client, url: str, headers: dict | None = None) -> tuple[int, pstats.Stats, Any]:
    """One warm-up request (caches filled, lazy imports done), then the calls of the next one."""
    client.get(url, headers=headers or {})
    # The collector would run finalizers and weakref callbacks at moments that depend on what ran
    # before: collected first, then kept off while counting.
    gc.collect()
    gc.disable()
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        response = client.get(url, headers=headers or {})
        profiler.disable()
    finally:
        gc.enable()
    stats = pstats.Stats(profiler)
    calls = stats.total_calls - random_draws(stats)  # type: ignore[attr-defined]
    if dump := os.environ.get("CALL_COUNT_DUMP"):
        with open(dump, "a") as out:
            for key, value in sorted(stats.stats.items()):  # type: ignore[attr-defined]
                print(url, key, value[1], file=out)
    return calls, stats, response


def random_draws(stats: pstats.Stats) -> int:
    """The calls of SystemRandom's draws (`getrandbits` and what it calls): secrets.choice, behind
    session keys and CSRF tokens, draws again when a draw falls out of range — a random number of
    times, so they are left out of the count."""
    draws = 0
    for key, (_cc, nc, _tt, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if key[0].endswith("random.py") and key[2] == "getrandbits":
            draws += nc
        draws += sum(
            edge[0]
            for caller, edge in callers.items()
            if caller[0].endswith("random.py") and caller[2] == "getrandbits"
        )
    return draws


def top_callers(stats: pstats.Stats, n: int = 15) -> str:
    """The functions that make the most calls directly (summed over what they call), and the
    functions called most: where a page's count comes from."""

    def name(key: tuple) -> str:
        file, line, func = key
        return f"{func} ({'/'.join(Path(file).parts[-3:])}:{line})" if file != "~" else func

    made: dict[tuple, int] = {}
    for _callee, (_cc, _nc, _tt, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        for caller, edge in callers.items():
            made[caller] = made.get(caller, 0) + (edge[0] if isinstance(edge, tuple) else edge)
    lines = [f"top {n} callers by the calls they make:"]
    for key, calls in sorted(made.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {calls:>7}  {name(key)}")
    lines.append(f"top {n} functions by the calls they receive:")
    called = sorted(stats.stats.items(), key=lambda kv: -kv[1][1])[:n]  # type: ignore[attr-defined]
    for key, (_cc, nc, _tt, _ct, _callers) in called:
        lines.append(f"  {nc:>7}  {name(key)}")
    return "\n".join(lines)


def write_budget() -> None:
    """Re-measure in the call-budget test's own scenario (its data, frozen day, warm-up) and rewrite
    this database's budgets in bench/call_budget.json."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "CALL_BUDGET_WRITE": "1"}
    test = "kabinet/web/tests/test_call_budget.py"
    command = [sys.executable, "-m", "pytest", test, "-q", "-p", "no:xdist"]
    sys.exit(subprocess.call(command, cwd=root, env=env))  # noqa: S603 — our own interpreter and test


def main() -> None:
    if "--write-budget" in sys.argv:
        write_budget()
        return
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

    calls, _stats, _response = count_calls(client, url, headers)
    print(f"{url}: {calls:,} function calls a request (after a warm-up)")
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
        (
            v[3]
            for k, v in stats.stats.items()  # type: ignore[attr-defined]
            if k[2] == "render" and k[0].endswith("django/template/base.py")
        ),
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
