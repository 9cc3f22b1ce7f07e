"""`request.creditor` and `request.creditors`: the creditor section open in the header and all creditors."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.http import HttpRequest, HttpResponseBase

from kabinet.creditors import header_cache
from kabinet.creditors.models import Creditor

SESSION_KEY = "kabinet_creditor_id"


class _CreditorAttributes:
    """Mixed into the request's own class: both attributes are read on first use only (the header
    cache, a query when it is cold), so a redirect or a JSON answer that needs neither costs nothing.
    Plain attributes afterwards (a test may set them)."""

    session: object

    @cached_property
    def creditors(self) -> list[Creditor]:
        return header_cache.creditors()

    @cached_property
    def creditor(self) -> Creditor | None:
        """The one the user chose (kept in the session), else the first one."""
        creditors = self.creditors
        session = getattr(self, "session", None)
        wanted = session.get(SESSION_KEY) if session is not None else None  # type: ignore[attr-defined]  # the session middleware's attribute
        return next((c for c in creditors if c.pk == wanted), creditors[0] if creditors else None)


_classes: dict[type[HttpRequest], type[HttpRequest]] = {}


def _with_creditor(request_class: type[HttpRequest]) -> type[HttpRequest]:
    if request_class not in _classes:
        _classes[request_class] = type(request_class.__name__, (_CreditorAttributes, request_class), {})
    return _classes[request_class]


class CurrentCreditorMiddleware:
    """Sets `request.creditor` / `request.creditors` (lazily, see `_CreditorAttributes`).

    A request object cannot hold a lazy attribute that may be None (a `SimpleLazyObject` of None is
    not None), so the request's class gets the two cached properties: `WSGIRequest` becomes a
    subclass of itself with them (one class per request class, made once)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.__class__ = _with_creditor(type(request))
        return self.get_response(request)
