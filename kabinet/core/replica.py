"""Reads from a streaming replica, with read-your-writes (settings `DATABASE_REPLICA_URL`).

The router sends a read to the replica only when all of these hold:
- the request is a client page read (GET/HEAD, not under `REPLICA_EXCLUDED_PATHS`), marked by the
  middleware in a context variable; work outside a request (tasks, commands) never reads the replica;
- nothing was written yet in this request (`db_for_write` marks the request as having written);
- no transaction is open on the primary (a transaction reads what it locks);
- the browser did not write in the last `REPLICA_PIN_SECONDS` (a short cookie set after a write), so
  the page after a form sees the form's rows even while the replica is a moment behind;
- the replica answers and its lag is under `REPLICA_MAX_LAG_SECONDS` (checked at most every
  `REPLICA_RETRY_SECONDS` per process); otherwise the page is served from the primary.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "kb_primary"
# Tables that are always read on the primary: sessions (a new sign-in must be seen by the next request
# at once) and the task queue.
# "django_cache": Django's DatabaseCache (the rate limits' counters while Redis is down) is read where it is
# written, never from a replica a moment behind.
_PRIMARY_ONLY_APPS = {"sessions", "django_tasks_db", "django_cache"}


@dataclass
class _RequestState:
    replica_allowed: bool = False
    wrote: bool = False
    # A database error was raised while this request could read the replica (see ReplicaMiddleware).
    failed: bool = False


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar("kabinet_replica_state", default=None)

LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class _ReplicaHealth:
    """Per process: is the replica usable now? Re-checked at most every REPLICA_RETRY_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = -1e9
        self._usable = False
        self.last_lag: float | None = None
        self.last_error = ""

    def reset(self) -> None:
        with self._lock:
            self._checked_at = -1e9

    def mark_down(self, error: str) -> None:
        """A page just failed on the replica: read the primary until the next probe says otherwise."""
        with self._lock:
            self._usable = False
            self._checked_at = time.monotonic()
            self.last_error = error

    def usable(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < settings.REPLICA_RETRY_SECONDS:
                return self._usable
            self._checked_at = now
        usable = self._probe()
        with self._lock:
            self._usable = usable
        return usable

    def _probe(self) -> bool:
        try:
            self.last_lag = replica_lag_seconds()
        except DatabaseError as exc:
            self.last_lag = None
            self.last_error = exc.__class__.__name__
            logger.warning("Replica unreachable, reading from the primary: %s", exc)
            return False
        if self.last_lag > settings.REPLICA_MAX_LAG_SECONDS:
            self.last_error = f"lag {self.last_lag:.1f} s"
            logger.warning("Replica %.1f s behind, reading from the primary", self.last_lag)
            return False
        self.last_error = ""
        return True


health = _ReplicaHealth()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float:
    """Seconds the replica's replay is behind (0 when it has replayed all it received)."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        # A dead persistent connection: drop it so the next check reconnects.
        connection.close()
        raise


def mark_write() -> None:
    state = _state.get()
    if state is not None:
        state.wrote = True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.replica_allowed or state.wrote:
            return "default"
        if model._meta.app_label in _PRIMARY_ONLY_APPS:
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        mark_write()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Marks each request: may it read the replica, and did it write (then pin the browser to the primary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _RequestState(replica_allowed=self._may_read_replica(request))
        response = self._respond(request, state)
        if state.failed and not state.wrote and _replica_failed():
            # The replica died since this process last probed it (the probe is cached for
            # REPLICA_RETRY_SECONDS): the page failed on it. A GET writes nothing, so it is served again,
            # from the primary, instead of the error page; later pages go to the primary at once.
            health.mark_down("OperationalError")
            logger.warning("Replica failed during a page, served again from the primary")
            state = _RequestState(replica_allowed=False)
            response = self._respond(request, state)
        if not replica_configured():
            return response
        # Which server this page's reads came from (for operators and the multi-process test).
        response["X-Kabinet-Read"] = REPLICA if state.replica_allowed and not state.wrote else "primary"
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def _respond(self, request, state: _RequestState):
        token = _state.set(state)
        try:
            return self.get_response(request)
        finally:
            _state.reset(token)

    def _may_read_replica(self, request) -> bool:
        if not replica_configured() or request.method not in ("GET", "HEAD"):
            return False
        if request.COOKIES.get(PIN_COOKIE):
            return False
        if any(request.path.startswith(prefix) for prefix in settings.REPLICA_EXCLUDED_PATHS):
            return False
        return health.usable()


def _replica_failed() -> bool:
    """Is the replica unreachable right now? (A fresh probe: the page's error may have been another one.)"""
    try:
        replica_lag_seconds()
    except DatabaseError:
        return True
    return False


def _note_database_error(sender, request=None, **kwargs) -> None:
    """`got_request_exception`: remember that a page that could read the replica raised a database error."""
    state = _state.get()
    if state is not None and state.replica_allowed and isinstance(_current_exception(), DatabaseError):
        state.failed = True


def _current_exception() -> BaseException | None:
    return sys.exception()


got_request_exception.connect(_note_database_error, dispatch_uid="kabinet.core.replica")
