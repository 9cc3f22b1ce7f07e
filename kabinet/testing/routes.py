"""Walking the URL conf in tests: every pattern, discovered (never listed by hand), with its parameters.

A test that must hold for every page or endpoint (isolation matrices, "a GET never writes") walks
`url_patterns()` so a view added tomorrow is covered without anyone remembering to add it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver

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


def row_counts(exclude: tuple[type, ...] = (Session,)) -> dict[str, int]:
    """The number of rows of every model: compare before and after a request that must write nothing."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m not in exclude and m._meta.managed and not m._meta.proxy
    }
