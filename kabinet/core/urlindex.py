"""The URL conf's root, looked up by the path's first segment.

Every app of the client side is included at "" (its routes keep their own prefixes: `contracts/…`,
`documents/…`), so Django resolves `/support/` by trying the accounts', organizations', contracts',
invoices'… patterns one after another — about 140 patterns and 800 function calls before the match, on
every request. `SegmentIndex` wraps those includes: it knows which first segments each of them can
match (the literal start of its routes, looked up through nested includes) and, for a path, tries only
the includes that can match its first segment, in their order in the URL conf. An include with a route
that does not start with a literal segment (a converter, a regular expression) is tried for every path.

Reversing is unchanged: `url_patterns` is the whole list, as Django's `include` would give it, so names,
namespaces and `reverse()` see exactly the same URL conf.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern, RoutePattern

# A child that can match any first segment.
_ANY = "\x00any"


def _first_segments(pattern: Any) -> set[str]:
    """The first path segments `pattern` (a URLPattern or an include) can match, or {_ANY}."""
    route_pattern = pattern.pattern
    if not isinstance(route_pattern, RoutePattern):
        return {_ANY}
    route = str(route_pattern)
    if route:
        head = route.split("/", 1)[0]
        if "<" in head:
            return {_ANY}
        if "/" in route or isinstance(pattern, URLPattern):
            return {head}
        return {_ANY}  # an include at "abc" (no slash): its patterns continue the segment
    if isinstance(pattern, URLPattern):
        return {""}  # the empty path
    segments: set[str] = set()
    for child in pattern.url_patterns:
        segments |= _first_segments(child)
        if _ANY in segments:
            return {_ANY}
    return segments


class SegmentIndex(URLResolver):
    """`path("", …)` of many includes, resolved through the ones that can match the first segment."""

    def __init__(self, patterns: list[URLPattern | URLResolver]):
        super().__init__(RegexPattern(r""), patterns)
        self._patterns = patterns

    @cached_property
    def _by_segment(self) -> tuple[dict[str, URLResolver], URLResolver]:
        children = [(child, _first_segments(child)) for child in self._patterns]
        known = sorted({segment for _, found in children for segment in found} - {_ANY})
        groups = {
            segment: URLResolver(
                RegexPattern(r""), [child for child, found in children if segment in found or _ANY in found]
            )
            for segment in known
        }
        rest = URLResolver(RegexPattern(r""), [child for child, found in children if _ANY in found])
        return groups, rest

    def resolve(self, path: Any) -> Any:
        path = str(path)
        groups, rest = self._by_segment
        return groups.get(path.split("/", 1)[0], rest).resolve(path)
