"""Django's Redis cache that degrades instead of failing when Redis is gone.

With Redis down, Django's RedisCache raises on every call: sign-in (rate-limit counters), every page
that reads the cached header, and the sessions' cache would all answer 500. This backend catches the
connection error, remembers for RETRY_AFTER seconds that Redis is down (so a request does not wait for a
timeout on every call), and then:

- FALLBACK "locmem" (the default cache): reads and writes go to a local-memory cache of this process —
  rate limits count per process meanwhile (as in `make run`), cached fragments are rebuilt per process;
- FALLBACK "database" (the rate limits' cache, `RATELIMIT_USE_CACHE`): Django's own DatabaseCache on
  the table `kabinet_cache_fallback` (the model `CacheFallbackEntry`), so the limits stay shared by every
  app process instead of counting per process — an attacker gains nothing by taking Redis down. Its
  `incr` is a read and a write, not atomic: two failures at the same instant may count once;
- FALLBACK "none" (the sessions' cache): every read misses and every write is dropped, so `cached_db`
  sessions are read from and written to the database alone — a per-process copy could serve a session
  another process has just ended.

`/readyz` reports the cache `degraded` meanwhile (`degraded` below), and a warning is logged once per
RETRY_AFTER window. After RETRY_AFTER seconds the next call tries Redis again.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = structlog.get_logger("kabinet.cache")

# The table of the "database" fallback (kabinet.core.models.CacheFallbackEntry).
FALLBACK_TABLE = "kabinet_cache_fallback"

# What each call answers when Redis is down and there is no fallback: a miss, or nothing written.
_MISS: dict[str, Any] = {
    "add": False,
    "set": None,
    "touch": False,
    "delete": False,
    "get_many": {},
    "has_key": False,
    "set_many": [],
    "delete_many": None,
    "clear": False,
}


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        fallback = options.pop("FALLBACK", "locmem")
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        # A Redis that does not answer costs a request at most this long, once per RETRY_AFTER.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, {**params, "OPTIONS": options})
        timeout = params.get("TIMEOUT", 300)
        self._fallback: BaseCache | None = None
        if fallback == "locmem":
            self._fallback = LocMemCache(f"failover-{id(self)}", {"TIMEOUT": timeout})
        elif fallback == "database":
            # Counters must not be culled under a flood of keys (Django's default keeps 300 entries).
            self._fallback = DatabaseCache(
                FALLBACK_TABLE, {"TIMEOUT": timeout, "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4}}
            )
        elif fallback != "none":
            raise ValueError(f"FALLBACK must be locmem, database or none, not {fallback!r}")
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, name: str, *args, **kwargs):
        if not self.degraded:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except RedisError as exc:
                # Logged once per RETRY_AFTER window, not once per call.
                logger.warning("cache_unavailable", error=exc.__class__.__name__, retry_after=self.retry_after)
                self._down_until = time.monotonic() + self.retry_after
        if self._fallback is not None:
            return getattr(self._fallback, name)(*args, **kwargs)
        if name == "get":
            return kwargs.get("default", args[1] if len(args) > 1 else None)
        if name == "incr":
            raise ValueError("Key not found")  # what a cache answers for a counter it does not hold
        return _MISS[name]

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
