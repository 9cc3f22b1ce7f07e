"""A bound on the threads of one process that wait on the file storage's network at once.

A slow S3 (or one that hangs) holds each request that touches it for up to two tries of
S3_CONNECT_TIMEOUT + S3_READ_TIMEOUT. Without a bound, a handful of uploads would take every thread of
every gunicorn worker and the main page would wait behind them. So at most STORAGE_MAX_CALLS threads of a
process are inside the storage at once (a semaphore per process); a request that finds them all taken
waits STORAGE_WAIT_TIMEOUT seconds for one, then ends with `StorageBusy` — the Russian 503 page «Хранилище
файлов отвечает медленно» with Retry-After (kabinet/core/degraded.py) — instead of queueing.
gunicorn runs GUNICORN_THREADS threads per worker (the gthread worker), more than STORAGE_MAX_CALLS
(checked at start), so each worker always keeps threads for the pages.

Nothing is left half written by a refusal: within a request, the first storage call takes a slot and the
request keeps it until it ends (`request_finished`, after a streamed answer too), so its later calls — the
second file of an upload, the removal of the first one when the transaction rolls back — never wait or
fail on the bound. Outside a request (the task worker, a command) each call takes and gives back a slot.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)


class StorageBusy(Exception):
    """Every storage slot of this process stayed taken for STORAGE_WAIT_TIMEOUT seconds."""


_local = threading.local()
_guard = threading.Lock()
_semaphores: dict[int, threading.BoundedSemaphore] = {}


def _semaphore() -> threading.BoundedSemaphore:
    size = max(1, int(settings.STORAGE_MAX_CALLS))
    with _guard:
        if size not in _semaphores:
            _semaphores[size] = threading.BoundedSemaphore(size)
        return _semaphores[size]


def _held() -> threading.BoundedSemaphore | None:
    return getattr(_local, "held", None)


def _release() -> None:
    held = _held()
    if held is not None:
        _local.held = None
        held.release()


@contextlib.contextmanager
def storage_call() -> Iterator[None]:
    """Around one network call of the storage: a slot of this process, or `StorageBusy`."""
    if _held() is not None:
        yield  # this thread already has a slot (a nested call, or an earlier call of its request)
        return
    semaphore = _semaphore()
    if not semaphore.acquire(timeout=float(settings.STORAGE_WAIT_TIMEOUT)):
        logger.warning("file storage busy: %s calls of this process already waiting on it", settings.STORAGE_MAX_CALLS)
        raise StorageBusy
    _local.held = semaphore
    try:
        yield
    finally:
        if not getattr(_local, "in_request", False):
            _release()


def _request_started(**kwargs) -> None:
    _release()  # never carried over from an earlier request of this thread
    _local.in_request = True


def _request_finished(**kwargs) -> None:
    _local.in_request = False
    _release()


request_started.connect(_request_started, dispatch_uid="kabinet-storage-limit-started")
request_finished.connect(_request_finished, dispatch_uid="kabinet-storage-limit-finished")


def in_use() -> int:
    """Slots taken in this process now (for the tests and the logs)."""
    semaphore = _semaphore()
    return int(settings.STORAGE_MAX_CALLS) - semaphore._value  # a read-only peek
