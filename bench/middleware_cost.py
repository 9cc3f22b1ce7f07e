"""Each middleware's cost alone: a signed-in GET of a trivial view through the portal's stack cut after
each middleware in turn; a middleware's cost is what adding it to the stack before it adds (function
calls of one request — deterministic — and microseconds a request, the median of a few rounds).

    PYTHONPATH=. .venv/bin/python bench/middleware_cost.py [rounds]

A throw-away SQLite database in memory (migrated, one user with one organization); JSON logs to
/dev/null. Wall-clock figures depend on the machine's load; read the calls first.
"""

from __future__ import annotations

import cProfile
import gc
import logging
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["LOG_FORMAT"] = "json"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from bench.profile_page import random_draws  # noqa: E402


def view(request):
    return HttpResponse("ok")


urlpatterns = [path("trivial/", view)]


def measure(client: Client, rounds: int) -> tuple[int, float]:
    client.get("/trivial/")
    client.get("/trivial/")
    gc.collect()
    gc.disable()
    profiler = cProfile.Profile()
    profiler.enable()
    client.get("/trivial/")
    profiler.disable()
    gc.enable()
    stats = pstats.Stats(profiler)
    calls = stats.total_calls - random_draws(stats)  # type: ignore[attr-defined]
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            client.get("/trivial/")
        samples.append((time.perf_counter() - started) / rounds * 1e6)
    return calls, statistics.median(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    logging.getLogger().handlers[0].stream = open(os.devnull, "w")  # noqa: SIM115 — for the whole run
    call_command("migrate", verbosity=0)
    from kabinet.testing.factories import MembershipFactory  # reason: after the tables exist

    user = MembershipFactory().user
    stack = list(settings.MIDDLEWARE)
    rows = []
    previous = None
    for cut in range(len(stack) + 1):
        with override_settings(MIDDLEWARE=stack[:cut], ROOT_URLCONF=__name__):
            client = Client()
            client.force_login(user)
            calls, micros = measure(client, rounds)
        if previous is not None:
            rows.append((stack[cut - 1], calls - previous[0], micros - previous[1]))
        else:
            rows.append(("(no middleware: the handler, the test client, the view)", calls, micros))
        previous = (calls, micros)
    width = max(len(name) for name, _, _ in rows)
    print(f"{'middleware':<{width}}  {'calls':>7}  {'µs':>8}")
    for name, calls, micros in rows:
        print(f"{name:<{width}}  {calls:>7}  {micros:>8.1f}")
    print(f"{'whole stack':<{width}}  {previous[0]:>7}  {previous[1]:>8.1f}")


if __name__ == "__main__":
    main()
