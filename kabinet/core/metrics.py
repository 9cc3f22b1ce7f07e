"""Prometheus metrics beyond django-prometheus' request latency by view: SQL queries per request, the
task queue's depth, failed tasks, and SMS / e-mail / webhook deliveries that failed.

Under gunicorn each worker process counts on its own; with PROMETHEUS_MULTIPROC_DIR set they write to
that folder and `/metrics` adds them up (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django_tasks.signals import task_finished
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

QUERIES_PER_REQUEST = Histogram(
    "kabinet_db_queries_per_request",
    "SQL queries run while answering one request, by view.",
    ["view"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200),
)
TASK_FAILURES = Counter("kabinet_task_failures_total", "Background tasks that ended in an error.", ["task"])
DELIVERY_FAILURES = Counter(
    "kabinet_delivery_failures_total",
    "Outgoing messages that failed (a retry may follow), by channel: sms, email, webhook.",
    ["channel"],
)


def delivery_failed(channel: str) -> None:
    DELIVERY_FAILURES.labels(channel=channel).inc()


def _count_task_failures(sender, task_result, **kwargs):
    if str(task_result.status).upper().endswith("FAILED"):
        TASK_FAILURES.labels(task=task_result.task.module_path).inc()


task_finished.connect(_count_task_failures, dispatch_uid="kabinet_task_failures")


class QueryCountMiddleware:
    """Counts the SQL statements of each request on every database alias."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        counter = [0]

        def count(execute, sql, params, many, context):
            counter[0] += 1
            return execute(sql, params, many, context)

        wrappers = [connections[alias].execute_wrapper(count) for alias in connections]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match and match.view_name else "<unresolved>"
        QUERIES_PER_REQUEST.labels(view=view).observe(counter[0])
        return response


def queue_depth() -> dict[str, int]:
    """Tasks waiting to run, per queue, from whichever backend is configured."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_rq.RQBackend":
        import django_rq  # reason: an optional dependency, present only with the RQ backend

        return {name: django_rq.get_queue(name).count for name in settings.RQ_QUEUES}
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult  # reason: a model, read only with the database backend

        rows = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id"))
        return {row["queue_name"]: row["n"] for row in rows}
    return {}


class QueueDepthCollector:
    def collect(self):
        family = GaugeMetricFamily("kabinet_task_queue_depth", "Tasks waiting to run.", labels=["queue"])
        try:
            for queue, depth in queue_depth().items():
                family.add_metric([queue], depth)
        except Exception:  # noqa: S110 — a scrape must not fail because the queue is down
            pass
        yield family


def _allowed(request: HttpRequest) -> bool:
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "")
        if secrets.compare_digest(given, f"Bearer {settings.METRICS_TOKEN}"):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format; only for METRICS_ALLOWED_IPS or `Authorization: Bearer METRICS_TOKEN`."""
    if not _allowed(request):
        return HttpResponseForbidden()
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess  # reason: multiprocess mode only (PROMETHEUS_MULTIPROC_DIR)

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
        output = generate_latest(registry)
        extra = CollectorRegistry()
        extra.register(QueueDepthCollector())
        return HttpResponse(output + generate_latest(extra), content_type=CONTENT_TYPE_LATEST)
    registry.register(QueueDepthCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
