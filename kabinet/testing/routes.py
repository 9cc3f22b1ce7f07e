"""Walking the URL conf in tests: every pattern, discovered (never listed by hand), with its parameters.

A test that must hold for every page or endpoint (isolation matrices, "a GET never writes") walks
`url_patterns()` so a view added tomorrow is covered without anyone remembering to add it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver

from kabinet.accounts.models import UserSession

# The session's own bookkeeping, not the portal's data: the session row (the idle timeout's last
# activity) and the list of sessions in «Профиль» (its last activity, at most once a minute).
SESSION_BOOKKEEPING: tuple[type, ...] = (Session, UserSession)

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "contracts/<int:pk>/items/" (Django's route syntax, prefixes joined)
    name: str  # "contracts:items" ("" when the pattern has no name)
    callback: Callable[..., Any]
    params: tuple[tuple[str, str], ...]  # ((name, converter), …) in order

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    def fill(self, values: dict[str, Any]) -> str:
        """The path with each parameter replaced by `values[name]`."""

        def one(match: re.Match[str]) -> str:
            return str(values[match.group("name")])

        return "/" + _PARAM.sub(one, self.route)


def _route_text(pattern: Any) -> str:
    return str(pattern.pattern)


def url_patterns(urlconf: str | None = None) -> Iterator[Route]:
    """Every URL pattern of the URL conf, with the prefixes of its includes joined."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                yield from walk(p.url_patterns, prefix + _route_text(p), ns)
            elif isinstance(p, URLPattern):
                route = prefix + _route_text(p)
                params = tuple((m.group("name"), m.group("converter") or "str") for m in _PARAM.finditer(route))
                yield Route(
                    route=route, name=f"{namespace}{p.name}" if p.name else "", callback=p.callback, params=params
                )

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


def row_counts(exclude: tuple[type, ...] = SESSION_BOOKKEEPING) -> dict[str, int]:
    """The number of rows of every model: compare before and after a request that must write nothing."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m not in exclude and m._meta.managed and not m._meta.proxy
    }


def table_digest(exclude: tuple[type, ...] = SESSION_BOOKKEEPING) -> dict[str, str]:
    """A digest of every row of every model (not only how many): an UPDATE that a count would miss
    — a status flipped, a read marker set — changes it. For the small databases of tests."""
    digests = {}
    for m in apps.get_models():
        if m in exclude or not m._meta.managed or m._meta.proxy:
            continue
        fields = [f.attname for f in m._meta.concrete_fields]
        rows = m._default_manager.order_by("pk").values_list(*fields)
        digests[m._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in after if before.get(label) != after[label])


_WRITE = ("INSERT", "UPDATE", "DELETE")


def data_writes(queries: Any) -> list[str]:
    """The SQL of captured queries that wrote the portal's data: session bookkeeping (the idle timeout's
    last activity, the list of sessions) is not data, so writes to those tables are left out."""
    bookkeeping = (Session._meta.db_table, UserSession._meta.db_table)
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(_WRITE) and not any(t in q["sql"] for t in bookkeeping)
    ]
