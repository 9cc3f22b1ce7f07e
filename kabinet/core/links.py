"""`reverse()` for the links of a table's rows: a URL with one integer argument, built from its reversed
shape instead of reversing it again for every row.

Django's `reverse()` walks the resolver's candidates on every call (~70–110 µs here); a list page of
20 rows with two links each spent 2–4 ms on it (issue 12). The shape of a name's URL is reversed once
with a stand-in number (per script prefix, URLconf and language, which are what can change it) and the
row's id is put in its place; anything else (no integer, a URL whose shape does not show the stand-in
exactly once) goes through `reverse()` as usual, so the result is always `reverse()`'s.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_STAND_IN = "7306419852"


@lru_cache(maxsize=512)
def _shape(name: str, prefix: str, urlconf: str | None, language: str | None) -> tuple[str, str] | None:
    try:
        url = reverse(name, args=[int(_STAND_IN)], urlconf=urlconf)
    except NoReverseMatch:
        return None
    head, found, tail = url.partition(_STAND_IN)
    return (head, tail) if found and _STAND_IN not in tail else None


def reverse_id(name: str, pk: object) -> str:
    """`reverse(name, args=[pk])`, quicker for an integer `pk` (anything else goes to `reverse()` itself)."""
    if isinstance(pk, int) and not isinstance(pk, bool):
        shape = _shape(name, get_script_prefix(), get_urlconf(), get_language())
        if shape is not None:
            return f"{shape[0]}{pk}{shape[1]}"
    return reverse(name, args=[pk])
