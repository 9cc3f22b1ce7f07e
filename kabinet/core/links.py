"""The portal's links. `absolute_url()` / `absolute()`: the one place that builds an address for what
leaves the portal (e-mails, SMS, the calendar subscription, notices), from the one setting PORTAL_URL —
never from the request's Host header. `reverse_id()`: `reverse()` for the links of a table's rows, a URL
with one integer argument built from its reversed shape instead of reversing it again for every row.

Django's `reverse()` walks the resolver's candidates on every call (~70–110 µs here); a list page of
20 rows with two links each spent 2–4 ms on it. The shape of a name's URL is reversed once
with a stand-in number (per script prefix, URLconf and language, which are what can change it) and the
row's id is put in its place; anything else (no integer, a URL whose shape does not show the stand-in
exactly once) goes through `reverse()` as usual, so the result is always `reverse()`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from config.env import env_is_set, env_url

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


def id_reverser(name: str) -> Callable[[object], str]:
    """`reverse_id` for one name with its shape looked up once: for the rows of one page (the shape depends
    on the script prefix, URLconf and language of the request, so it is made per request, not kept)."""
    shape = _shape(name, get_script_prefix(), get_urlconf(), get_language())
    if shape is None:
        return lambda pk: reverse(name, args=[pk])
    head, tail = shape

    def url(pk: object) -> str:
        if isinstance(pk, int) and not isinstance(pk, bool):
            return f"{head}{pk}{tail}"
        return reverse(name, args=[pk])

    return url


def absolute(path: str = "/") -> str:
    """The portal's address of a path of the portal («/contracts/5/» → «https://portal.example.ru/contracts/5/»)."""
    return settings.PORTAL_URL.rstrip("/") + "/" + path.lstrip("/")


def absolute_url(name: str, *args: object, **kwargs: object) -> str:
    """The portal's address of a named URL: `reverse(name, args or kwargs)` under PORTAL_URL."""
    return absolute(reverse(name, args=args or None, kwargs=kwargs or None))


def served_address(bind: str) -> str:
    """The address a browser on this machine reaches a server bound to `bind` ("host:port") at; a server
    on every interface is reached at localhost."""
    host, _, port = bind.rpartition(":")
    if not host or host in ("0.0.0.0", "[::]", "::"):  # noqa: S104  # nosec B104 (compared, not bound)
        host = "localhost"
    return f"http://{host}:{port}" if port else f"http://{host}"


def serve_links_at(bind: str) -> str:
    """Before `manage.py serve` starts its processes: unless PORTAL_URL is configured, the portal's links
    name the address it is served on (the processes inherit it). Returns the address links will use."""
    if not env_is_set("PORTAL_URL"):
        os.environ.setdefault("PORTAL_URL", served_address(bind))
    return env_url("PORTAL_URL", served_address(bind))
