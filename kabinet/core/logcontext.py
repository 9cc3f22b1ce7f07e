"""The log context of a request or task (request id, user id, task id) in one context variable.

structlog's own `contextvars` helpers keep one ContextVar per key and, to clear or merge them, walk
every context variable of the thread's context — asgiref's and Django's included, whose number grows
with what the process has done. That made the per-request cost depend on the process's history (the
call budget of a bare page moved by 4 % between runs). Here the whole context is one immutable dict:
bind, clear and merge cost the same whatever ran before.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("kabinet_log_context", default=_EMPTY)


def bind(**values: Any) -> None:
    """Add `values` to the context (a key bound again takes the new value)."""
    _context.set(MappingProxyType({**_context.get(), **values}))


def clear() -> None:
    _context.set(_EMPTY)


def get() -> dict[str, Any]:
    """A copy of the context."""
    return dict(_context.get())


def merge(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the context's keys, unless the log call names them itself."""
    for key, value in _context.get().items():
        event_dict.setdefault(key, value)
    return event_dict
