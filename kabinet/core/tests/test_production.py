"""The production configuration: settings from the environment, Redis sessions, health, metrics,
the replica router, the log context carried into tasks, Sentry, and the outbox after a lost task.

The whole shape (nginx, two app processes, a streaming replica, RQ) runs in `make test-prod`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.test import RequestFactory
from django.utils import timezone

from kabinet.accounts.models import SmsMessage
from kabinet.accounts.services import sms_deliver, sms_notify, sms_requeue_stale
from kabinet.core import logcontext, replica, tasklog
from kabinet.core.version import VERSION
from kabinet.messaging import sms
from kabinet.testing.factories import PASSWORD
from kabinet.testing.http import FakeServer, Reply
from kabinet.testing.services import RedisServer, free_port

BASE_DIR = Path(__file__).resolve().parents[3]
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "session": settings.SESSION_ENGINE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "rq": getattr(settings, "RQ_QUEUES", None),
    "databases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "conn": [settings.DATABASES["default"]["CONN_MAX_AGE"], settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]],
    "formatter": settings.LOGGING["formatters"]["kabinet"]["processors"][-1].__class__.__name__,
}))
"""


def configured(**env) -> dict:
    """Start Python with these environment variables and read back what the settings became."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "TASKS_", "DATABASE_", "SENTRY"))}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_is_sqlite_database_sessions_and_the_database_task_queue():
    cfg = configured()
    assert cfg["session"] == "django.contrib.sessions.backends.db"
    assert cfg["cache"].endswith("LocMemCache")
    assert cfg["tasks"] == "django_tasks_db.DatabaseBackend"
    assert cfg["databases"] == ["default"] and cfg["routers"] == []
    assert cfg["formatter"] == "ConsoleRenderer"


def test_the_readme_recipe_puts_sessions_in_redis_backed_by_the_database_and_tasks_on_rq():
    cfg = configured(
        REDIS_URL="redis://127.0.0.1:6399/0",
        TASKS_BACKEND="django_tasks_rq.RQBackend",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kabinet",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/kabinet",
        CONN_MAX_AGE="300",
        CONN_HEALTH_CHECKS="1",
        LOG_FORMAT="json",
    )
    assert cfg["session"] == "django.contrib.sessions.backends.cached_db"
    assert cfg["cache"] == "kabinet.core.cache.FailoverRedisCache"
    assert cfg["tasks"] == "django_tasks_rq.RQBackend"
    assert cfg["rq"]["default"]["URL"] == "redis://127.0.0.1:6399/0"
    assert cfg["databases"] == ["default", "replica"]
    assert cfg["routers"] == ["kabinet.core.replica.ReplicaRouter"]
    assert cfg["conn"] == [300, True]
    assert cfg["formatter"] == "JSONRenderer"


def test_the_rq_queue_without_redis_stops_start_up_with_a_clear_message():
    with pytest.raises(RuntimeError, match="needs REDIS_URL"):
        configured(TASKS_BACKEND="django_tasks_rq.RQBackend")


# --- Redis: the README's recipe signed nobody in before (No module named 'redis') -------------------


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
def on_redis(settings, redis_server):
    settings.CACHES = {
        "default": {"BACKEND": "kabinet.core.cache.FailoverRedisCache", "LOCATION": redis_server.url},
        "sessions": {
            "BACKEND": "kabinet.core.cache.FailoverRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"FALLBACK": "none"},
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    yield redis_server
    redis.Redis.from_url(redis_server.url).flushall()


def test_signing_in_with_redis_configured_keeps_the_session_through_a_redis_restart(client, admin_a, on_redis):
    response = client.post("/login/", {"username": str(admin_a.phone), "password": PASSWORD})
    assert response.status_code == 302
    keys = redis.Redis.from_url(on_redis.url).keys("*")
    assert any(b"django.contrib.sessions.cached_db" in key for key in keys)
    assert client.get("/dashboard/").status_code == 200

    on_redis.restart()  # every key is gone: the session is read back from the database
    assert redis.Redis.from_url(on_redis.url).keys("*") == []
    assert client.get("/dashboard/").status_code == 200


# --- Health -----------------------------------------------------------------------------------------


def test_healthz_answers_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": VERSION}


def test_readyz_checks_database_cache_storage_and_queue(client, db, on_redis):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "queue": "ok",
    }
    assert checks["cache"]["backend"] == "FailoverRedisCache"


def test_readyz_is_503_when_redis_is_down_with_the_plain_redis_cache(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"
    assert response.json()["checks"]["database"]["status"] == "ok"


# --- Metrics ----------------------------------------------------------------------------------------


def test_metrics_are_refused_to_an_outside_address(client, db):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403


def test_metrics_show_latency_by_view_queries_per_request_and_failures(
    client_a, settings, django_capture_on_commit_callbacks
):
    settings.METRICS_TOKEN = "scrape-me"
    client_a.get("/contracts/")
    with FakeServer(lambda seen: Reply(status=503)) as server:
        settings.SMS_BACKEND = "kabinet.messaging.sms.SmsRuBackend"
        settings.SMSRU_URL = server.url
        with django_capture_on_commit_callbacks(execute=True):
            sms_notify(phone="+79001234567", text="x")
    response = client_a.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="contracts:list"}' in text
    assert 'kabinet_db_queries_per_request_count{view="contracts:list"}' in text
    assert 'kabinet_delivery_failures_total{channel="sms"}' in text
    assert "kabinet_task_queue_depth" in text


# --- The replica router -----------------------------------------------------------------------------


class Model:
    class _meta:
        app_label = "contracts"


def route_in_request(*, allowed: bool, write_first: bool = False) -> str:
    state = replica._RequestState(replica_allowed=allowed)
    token = replica._state.set(state)
    try:
        router = replica.ReplicaRouter()
        if write_first:
            router.db_for_write(Model)
        return router.db_for_read(Model)
    finally:
        replica._state.reset(token)


def test_a_client_page_read_goes_to_the_replica():
    assert route_in_request(allowed=True) == "replica"


def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary():
    assert route_in_request(allowed=True, write_first=True) == "default"


def test_reads_outside_a_request_and_inside_a_transaction_go_to_the_primary(db):
    assert replica.ReplicaRouter().db_for_read(Model) == "default"
    from django.db import transaction

    with transaction.atomic():
        assert route_in_request(allowed=True) == "default"


def test_sessions_are_always_read_on_the_primary():
    from django.contrib.sessions.models import Session

    state = replica._RequestState(replica_allowed=True)
    token = replica._state.set(state)
    try:
        assert replica.ReplicaRouter().db_for_read(Session) == "default"
    finally:
        replica._state.reset(token)


@pytest.fixture
def replica_alias(settings, monkeypatch):
    """The middleware's decisions with a replica configured (the router's real use is in test-prod)."""
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    monkeypatch.setattr(replica.health, "usable", lambda: True)


def middleware_decision(request) -> tuple[str, str | None]:
    from django.http import HttpResponse

    seen = {}

    def view(request):
        seen["route"] = replica.ReplicaRouter().db_for_read(Model)
        if request.method == "POST":
            replica.ReplicaRouter().db_for_write(Model)
        return HttpResponse()

    response = replica.ReplicaMiddleware(view)(request)
    cookie = response.cookies.get(replica.PIN_COOKIE)
    return seen["route"], cookie.value if cookie else None


def test_after_a_write_the_browser_reads_the_primary_for_a_short_while(replica_alias, settings):
    rf = RequestFactory()
    route, pin = middleware_decision(rf.post("/requests/new/"))
    assert route == "default" and pin == "1"
    pinned = rf.get("/requests/")
    pinned.COOKIES[replica.PIN_COOKIE] = "1"
    assert middleware_decision(pinned) == ("default", None)
    assert middleware_decision(rf.get("/requests/")) == ("replica", None)
    assert middleware_decision(rf.get("/admin/")) == ("default", None)


def test_a_page_that_fails_on_a_replica_that_just_died_is_served_again_from_the_primary(replica_alias, monkeypatch):
    """The probe is cached for REPLICA_RETRY_SECONDS: a replica that dies in between fails a page. That GET is
    served again from the primary (not the error page), and the process stops reading the replica at once."""
    from django.core.handlers.exception import convert_exception_to_response
    from django.db import OperationalError
    from django.http import HttpResponse
    from django.test import RequestFactory

    routes = []

    def view(request):
        route = replica.ReplicaRouter().db_for_read(Model)
        routes.append(route)
        if route == "replica":
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    monkeypatch.setattr(replica, "_replica_failed", lambda: True)
    marked = []
    monkeypatch.setattr(replica.health, "mark_down", lambda error: marked.append(error))
    response = replica.ReplicaMiddleware(convert_exception_to_response(view))(RequestFactory().get("/contracts/"))
    assert routes == ["replica", "default"]
    assert response.status_code == 200 and response.content == b"from the primary"
    assert response["X-Kabinet-Read"] == "primary"
    assert marked == ["OperationalError"]


def test_a_page_error_with_the_replica_alive_is_not_retried(replica_alias, monkeypatch):
    from django.core.handlers.exception import convert_exception_to_response
    from django.db import OperationalError
    from django.test import RequestFactory

    calls = []

    def view(request):
        calls.append(1)
        raise OperationalError("a bug of the page, not the replica")

    monkeypatch.setattr(replica, "_replica_failed", lambda: False)
    response = replica.ReplicaMiddleware(convert_exception_to_response(view))(RequestFactory().get("/contracts/"))
    # Run once, not again on the primary; a database error is the «try again» page (503), never a 500.
    assert response.status_code == 503 and len(calls) == 1


def test_a_replica_that_does_not_answer_sends_pages_to_the_primary(settings, monkeypatch):
    monkeypatch.setattr(settings, "REPLICA_RETRY_SECONDS", 0)

    def down():
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag_seconds", down)
    replica.health.reset()
    assert replica.health.usable() is False
    assert replica.health.last_error == "OperationalError"


# --- Logs: the request id reaches the task ----------------------------------------------------------


def test_the_request_id_is_carried_into_the_task_the_request_queued(db, settings):
    from django_tasks.backends.dummy import DummyBackend

    from kabinet.messaging.tasks import send_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    logcontext.bind(request_id="req-42", user_id=7)
    try:
        result = send_email.enqueue("a@example.com", "s", "b")
    finally:
        logcontext.clear()
    # In the worker process: nothing bound until the task starts.
    tasklog.on_started(DummyBackend, task_result=result)
    try:
        bound = logcontext.get()
        assert bound["request_id"] == "req-42"
        assert bound["user_id"] == 7
        assert bound["task_id"] == result.id
    finally:
        tasklog.on_finished(DummyBackend, task_result=result)


def test_json_logs_are_one_object_a_line_with_the_request_id(tmp_path):
    script = (
        "import logging, django; django.setup();"
        "from kabinet.core import logcontext; logcontext.bind(request_id='req-7');"
        "logging.getLogger('kabinet.x').warning('hello %s', 'world')"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["event"] == "hello world"
    assert record["request_id"] == "req-7"
    assert record["level"] == "warning"


def test_sentry_receives_an_error_when_sentry_dsn_is_set():
    with FakeServer(lambda seen: Reply(body={})) as server:
        host = server.url.removeprefix("http://")
        script = (
            "import django, sentry_sdk; django.setup();"
            "sentry_sdk.capture_exception(ZeroDivisionError('boom')); sentry_sdk.flush(5)"
        )
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            cwd=BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SENTRY_DSN": f"http://key@{host}/1"},
            check=True,
            timeout=60,
        )
    assert server.requests, "nothing reached the Sentry endpoint"
    assert server.requests[0].path == "/api/1/envelope/"
    envelope = server.requests[0]
    encoding = {k.lower(): v for k, v in envelope.headers.items()}.get("content-encoding", "")
    body = envelope.body
    if encoding == "br":
        import brotli

        body = brotli.decompress(body)
    elif encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    assert b"ZeroDivisionError" in body


# --- The outbox after a lost task ----------------------------------------------------------------


def test_an_sms_whose_task_was_lost_is_queued_again_and_sent_once(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.OUTBOX_STALE_AFTER = 60
    message = sms_notify(phone="+79001234567", text="Платёж получен")
    assert sms_requeue_stale() == 0  # its task is queued and not late
    SmsMessage.objects.filter(pk=message.pk).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert sms_requeue_stale() == 1
    assert sms_requeue_stale() == 0  # queued again once, not on every sweep

    settings.SMS_BACKEND = "kabinet.messaging.sms.LocmemBackend"
    assert sms_deliver(message.pk) == "sent"
    assert sms_deliver(message.pk) == "sent"  # the duplicate task is a no-op
    assert [m["idempotency_key"] for m in sms.outbox] == [f"sms-{message.pk}"]


def test_the_sms_gateway_receives_the_idempotency_key(db, settings, django_capture_on_commit_callbacks):
    def ok(seen):
        to = seen.form["to"]
        return Reply(body={"status": "OK", "status_code": 100, "sms": {to: {"status": "OK", "sms_id": "1"}}})

    with FakeServer(ok) as server:
        settings.SMS_BACKEND = "kabinet.messaging.sms.SmsRuBackend"
        settings.SMSRU_URL = server.url
        with django_capture_on_commit_callbacks(execute=True):
            message = sms_notify(phone="+79001234567", text="x")
    assert server.requests[0].headers["Idempotency-Key"] == f"sms-{message.pk}"
