"""`reverse_id` (the row links of the lists) is `reverse()` for every URL of the portal with one integer
argument, under any script prefix, and falls back to `reverse()` for anything else."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix

from kabinet.core.links import reverse_id


def _names_with_one_int(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _names_with_one_int(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if len(converters) == 1 and type(next(iter(converters.values()))).__name__ == "IntConverter":
                yield f"{namespace}{entry.name}"


def test_every_url_with_one_integer_is_reversed_as_django_does_under_any_prefix():
    names = sorted(set(_names_with_one_int()))
    assert len(names) > 20 and "contracts:detail" in names and "documents:download" in names
    try:
        for prefix in ("/", "/portal/"):
            set_script_prefix(prefix)
            for name in names:
                for pk in (1, 42, 7306419852, 10**12):
                    assert reverse_id(name, pk) == reverse(name, args=[pk]), (prefix, name, pk)
    finally:
        set_script_prefix("/")


def test_anything_but_an_integer_goes_through_reverse():
    assert reverse_id("contracts:detail", "42") == reverse("contracts:detail", args=["42"]) == "/contracts/42/"
    for value in (True, None, "x"):  # refused as reverse() refuses them
        with pytest.raises(NoReverseMatch):
            reverse_id("contracts:detail", value)
