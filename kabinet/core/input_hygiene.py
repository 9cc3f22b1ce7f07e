"""Control characters in what a request sends are refused at the door, once for the whole portal.

A zero byte or another C0 control character has no place in any value the portal takes: PostgreSQL
refuses NUL in text (a lookup with one was a 500), and the others only ever arrive from fuzzers or
broken clients. Tab, line feed and carriage return stay allowed (a textarea sends them); where they
are written somewhere line-based, the writer escapes them (ICS, CSV).

- `ControlCharactersMiddleware` checks every query string, and the form fields of every page (the API's
  bodies are its parsers' business): a page answers 400 with a Russian page naming the parameter, the
  API a JSON 400 naming it.
- `control_character_path` is the same check over parsed JSON, used by the API's parsers
  (`kabinet.api.parsers`) to give a 400 naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
API_MESSAGE = "Control characters (such as a zero byte) are not allowed."


def has_control(value: str) -> bool:
    return bool(CONTROL.search(value))


def _first_bad_field(items: Iterable[tuple[str, list[Any]]]) -> str | None:
    for key, values in items:
        if has_control(key) or any(isinstance(v, str) and has_control(v) for v in values):
            return CONTROL.sub("?", key)
    return None


def control_character_path(data: Any) -> list[str] | None:
    """The path (keys and list indexes) to the first key or string holding a control character, else None."""
    stack: list[tuple[Any, list[str]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if has_control(value):
                return path
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and has_control(key):
                    return [*path, CONTROL.sub("?", key)]
                stack.append((child, [*path, str(key)]))
        elif isinstance(value, list):
            stack.extend((child, [*path, str(i)]) for i, child in enumerate(value))
    return None


def nested_error(path: list[str], message: str) -> dict[str, Any]:
    """{"a": {"0": {"b": [message]}}}: the shape of DRF's own nested errors."""
    error: Any = [message]
    for key in reversed(path or ["non_field_errors"]):
        error = {key: error}
    return error


class ControlCharactersMiddleware:
    """Runs as a view is about to be called (every other middleware has set the request up, so the error
    page is drawn in the portal's layout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        api = request.path.startswith("/api/")
        field = _first_bad_field(request.GET.lists())
        if field is None and not api and request.method not in ("GET", "HEAD", "OPTIONS"):
            field = _first_bad_field(request.POST.lists())
        if field is None:
            return None
        if api:
            return JsonResponse({field: [API_MESSAGE]}, status=400)
        message = _(
            "The field «%(field)s» contains a control character (for example, a zero byte). Remove it and try again."
        ) % {"field": field}
        return render(request, "errors/control_characters.html", {"message": message}, status=400)
