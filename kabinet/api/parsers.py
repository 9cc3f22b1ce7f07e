"""The API's JSON parser: DRF's, refusing bodies nested deeper than any real payload with a 400."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _too_deep(data, limit: int) -> bool:
    """Iterative (no recursion of our own): is any value nested deeper than `limit` levels?"""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        message = f"The JSON body is nested deeper than {limit} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder gives up on very deep nesting with RecursionError, which would be a 500.
            raise ParseError(message) from None
        if _too_deep(data, limit):
            raise ParseError(message)
        return data
