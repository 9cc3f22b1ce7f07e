"""`/healthz` (the process answers) and `/readyz` (it can serve: database, replica, Redis, storage, queue).

Open without signing in; they say nothing about anyone's data. `/readyz` answers 503 when the primary
database, Redis, the file storage or the task queue cannot be reached (take this process out of the
load balancer); a replica that is down or behind is `degraded` with 200 — pages are then read from
the primary, so the process still serves.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kabinet.core import replica, storage_check
from kabinet.core.metrics import queue_depth
from kabinet.core.version import VERSION


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "version": VERSION})


def _check_database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def _check_replica() -> dict:
    try:
        lag = replica.replica_lag_seconds()
    except DatabaseError as exc:
        return {"status": "degraded", "detail": f"unreachable ({exc.__class__.__name__}); reads go to the primary"}
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        return {"status": "degraded", "lag_seconds": round(lag, 3), "detail": "behind; reads go to the primary"}
    return {"status": "ok", "lag_seconds": round(lag, 3)}


def _check_cache() -> dict:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)
    backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
    if getattr(cache, "degraded", False):
        # Redis is gone but the process serves: sessions from the database, limits counted per process.
        return {"status": "degraded", "backend": backend, "detail": "Redis unreachable; local fallback"}
    return {"status": "ok", "backend": backend}


def _check_storage() -> dict:
    # Write, read back and delete a probe file: proves credentials, bucket/folder and permissions.
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise RuntimeError("the storage did not return what was written")
    finally:
        default_storage.delete(name)
    # A reachable storage may still be the wrong one (a database restored without its files): the newest
    # file of each kind must be there.
    missing = storage_check.newest_missing()
    if missing:
        return {"status": "fail", "detail": f"newest stored file missing: {', '.join(missing)}"}
    return {"status": "ok"}


def _check_queue() -> dict:
    try:
        depth = queue_depth()
    except Exception as exc:
        # The RQ queue lives in Redis: with Redis gone pages still serve, and what would have been queued
        # waits in the outbox tables for the scheduler's sweep.
        return {"status": "degraded", "detail": f"unreachable ({exc.__class__.__name__})"}
    return {"status": "ok", "depth": depth}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict] = {}
    probes = {"database": _check_database, "cache": _check_cache, "storage": _check_storage, "queue": _check_queue}
    if replica.replica_configured():
        probes["replica"] = _check_replica
    for name, probe in probes.items():
        started = time.monotonic()
        try:
            checks[name] = probe()
        except Exception as exc:
            checks[name] = {"status": "fail", "detail": exc.__class__.__name__}
        checks[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    statuses = {check["status"] for check in checks.values()}
    overall = "fail" if "fail" in statuses else "degraded" if "degraded" in statuses else "ok"
    return JsonResponse({"status": overall, "checks": checks}, status=503 if overall == "fail" else 200)
