"""Degraded, not down: with Redis gone (REDIS_URL pointing to a closed port) sign-in and every client
page still answer — sessions from the database, rate limits counted in the database — never a 500."""

from __future__ import annotations

import pytest
import redis
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kabinet.core.cache import FailoverRedisCache
from kabinet.core.models import CacheFallbackEntry
from kabinet.testing.factories import PASSWORD
from kabinet.testing.services import free_port


def parameterless_client_paths() -> list[str]:
    """Every GET page of the client side whose URL takes no argument (the back office and API aside)."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or route.startswith("^") or route.startswith(("admin/", "api/")):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and not route.endswith(("logout/", ".ics")):
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


@pytest.fixture
def redis_gone(settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {"BACKEND": "kabinet.core.cache.FailoverRedisCache", "LOCATION": closed},
        "sessions": {
            "BACKEND": "kabinet.core.cache.FailoverRedisCache",
            "LOCATION": closed,
            "OPTIONS": {"FALLBACK": "none"},
        },
        "ratelimit": {
            "BACKEND": "kabinet.core.cache.FailoverRedisCache",
            "LOCATION": closed,
            "OPTIONS": {"FALLBACK": "database"},
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SILENCED_SYSTEM_CHECKS = [*settings.SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]
    return closed


def test_sign_in_and_every_client_page_answer_with_redis_gone(db, admin_a, redis_gone):
    client = Client()
    signed_in = client.post("/login/", {"username": str(admin_a.phone), "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    paths = parameterless_client_paths()
    assert "/dashboard/" in paths and "/contracts/" in paths and "/documents/" in paths
    failed = {}
    for path in paths:
        status = client.get(path).status_code
        if status >= 500:
            failed[path] = status
    assert not failed, failed
    # Still signed in after all of it (the session lives in the database).
    assert client.get("/dashboard/").status_code == 200


def test_failed_sign_ins_answer_without_a_500_with_redis_gone(db, admin_a, redis_gone, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = Client()
    answers = [
        client.post("/login/", {"username": str(admin_a.phone), "password": "wrong-password"}).status_code
        for _ in range(4)
    ]
    assert all(status < 500 for status in answers), answers


def test_readyz_says_degraded_not_failed_with_redis_gone(client, db, redis_gone):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["status"] == "degraded"


def test_a_request_that_needs_the_task_queue_gets_a_russian_503_not_a_500(client_a, monkeypatch):
    """A Redis error the degrading cache does not absorb (queueing a task on RQ while Redis is down) reaches
    the error handler: the user reads that the service is briefly unavailable, with Retry-After. Shown with
    the error raised where every request passes (loading the session); any other error stays a 500."""
    client = Client(raise_request_exception=False)
    client.cookies = client_a.cookies

    def redis_gone(self):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(SessionStore, "load", redis_gone)
    response = client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Сервис временно недоступен" in response.content.decode()

    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    assert client.get("/dashboard/").status_code == 500


def test_rate_limits_are_counted_in_the_database_with_redis_gone(db, admin_a, redis_gone, settings):
    """Not per process: the counts the sign-in form made in this process are what another app process (a
    cache object of its own, as in another gunicorn worker) reads, and the limit holds across them."""
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_LIMIT = 100  # the per-address pair limit (database rows) out of the way
    for n in range(3):
        # Three addresses, so only the account-wide counter (in the cache) can refuse.
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
            "/login/", {"username": str(admin_a.phone), "password": "wrong-password"}
        )
    assert CacheFallbackEntry.objects.exists()
    another_process = FailoverRedisCache(redis_gone, {"OPTIONS": {"FALLBACK": "database"}})
    # The table holds the made keys (":<version>:<key>"); the other process asks by the plain key.
    keys = [made.split(":", 2)[2] for made in CacheFallbackEntry.objects.values_list("cache_key", flat=True)]
    counters = [another_process.get(key) for key in keys]
    assert 3 in counters, counters
    refused = Client(REMOTE_ADDR="10.0.0.9").post("/login/", {"username": str(admin_a.phone), "password": PASSWORD})
    assert refused.status_code == 200 and "Слишком много" in refused.content.decode()
