"""The request log line's cost: kabinet.core.requestlog against django-structlog's middleware (which
logged two lines a request before), each around a trivial view, JSON logs rendered to /dev/null.

    PYTHONPATH=. .venv/bin/python bench/request_log_cost.py

Prints microseconds per request and the function calls of one request. django-structlog is no longer a
requirement; its row is printed only while it is still installed.
"""

from __future__ import annotations

import cProfile
import logging
import os
import pstats
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["LOG_FORMAT"] = "json"

import django

django.setup()

from django.conf import settings  # noqa: E402

# As the portal configured django-structlog before: no client IP in the log.
settings.DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from kabinet.core.requestlog import RequestLogMiddleware  # noqa: E402


def view(request):
    return HttpResponse("ok")


def measure(middleware, rounds: int = 3000) -> tuple[float, int]:
    request = RequestFactory().get("/contracts/?page=2")
    request.user = AnonymousUser()
    for _ in range(200):
        middleware(request)
    started = time.perf_counter()
    for _ in range(rounds):
        middleware(request)
    per_request = (time.perf_counter() - started) / rounds * 1e6
    profile = cProfile.Profile()
    profile.enable()
    middleware(request)
    profile.disable()
    return per_request, pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def main() -> None:
    logging.getLogger().handlers[0].stream = open(os.devnull, "w")  # noqa: SIM115 — for the whole run
    rows = [("kabinet.core.requestlog (1 line)", RequestLogMiddleware(view))]
    try:
        from django_structlog.middlewares import RequestMiddleware  # reason: optional, the old middleware
    except ImportError:
        pass
    else:
        rows.append(("django-structlog (2 lines)", RequestMiddleware(view)))
    for name, middleware in rows:
        per_request, calls = measure(middleware)
        print(f"{name:36} {per_request:7.1f} µs/request {calls:5d} calls")


if __name__ == "__main__":
    main()
