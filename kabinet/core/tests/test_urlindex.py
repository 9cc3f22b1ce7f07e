"""The root URL conf resolved by first segment (`SegmentIndex`) gives what Django's plain resolver over the
same patterns gives: the same view, name, namespaces, route and arguments for every route of the portal,
and a 404 for the same paths."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from config.urls import urlpatterns
from kabinet.core.urlindex import SegmentIndex
from kabinet.testing.routes import url_patterns

SAMPLES = {"int": 7, "str": "abc", "slug": "a-b", "uuid": "12345678-1234-5678-1234-567812345678", "path": "a/b"}


def _plain() -> URLResolver:
    (index,) = urlpatterns
    assert isinstance(index, SegmentIndex)
    return URLResolver(RegexPattern(r"^/"), index.url_patterns)


def _summary(resolver: URLResolver, path: str):
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return (match.func, match.url_name, match.namespaces, match.route, match.args, match.kwargs)


def test_every_route_resolves_as_with_djangos_plain_resolver():
    plain, indexed = _plain(), get_resolver()
    paths = []
    for route in url_patterns():
        paths.append(route.fill({name: SAMPLES.get(converter, "x") for name, converter in route.params}))
    assert len(paths) > 150
    for path in paths:
        assert _summary(indexed, path) == _summary(plain, path), path
        assert _summary(indexed, path) is not None, path


@pytest.mark.parametrize(
    "path",
    ["/", "/nothing/", "/contracts/abc/", "/contracts/7/nothing/", "/healthz/", "/api/v1/nothing/", "/support", ""],
)
def test_paths_that_do_not_match_or_match_the_same_way(path):
    assert _summary(get_resolver(), path) == _summary(_plain(), path)


def test_a_path_is_tried_only_against_the_includes_of_its_first_segment():
    (index,) = urlpatterns
    groups, rest = index._by_segment
    assert rest.url_patterns == []  # every route of the portal starts with a literal segment
    assert len(groups["support"].url_patterns) == 1
    assert len(groups["contracts"].url_patterns) < len(index.url_patterns) / 4
