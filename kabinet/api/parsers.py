"""The API's parsers: DRF's, refusing with a 400 bodies nested deeper than any real payload and any key
or value holding a control character (a zero byte…), the 400 naming the field
(`kabinet.core.input_hygiene`: the same rule the middleware applies to query strings and forms)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # get_encoding: not in the stubs
    FormParser,
    JSONParser,
    MultiPartParser,
    get_encoding,
)
from rest_framework.utils import json

from kabinet.core.input_hygiene import API_MESSAGE, control_character_path, nested_error


def refuse_control_characters(data: Any) -> None:
    path = control_character_path(data)
    if path is not None:
        raise ValidationError(nested_error(path, API_MESSAGE))


def _too_deep(data, limit: int) -> bool:
    """Iterative (no recursion of our own): is any value nested deeper than `limit` levels? Walks the
    containers level by level, never the scalars' paths."""
    level = [data] if type(data) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for value in level:
            children: Iterable[Any] = value.values() if type(value) is dict else value
            below.extend(child for child in children if type(child) in _CONTAINERS)
        level = below
    return False


_CONTAINERS = frozenset({dict, list})
# What a control character can look like in a JSON text: a \u escape of one (or of a tab or a line
# break: then the full walk decides), the short escapes \b and \f, or a raw DEL (JSON allows it raw
# in a string; a raw C0 character is no valid JSON at all). A body without any of these holds none.
_MAYBE_CONTROL = re.compile(r"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\[bf]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def may_hold_control(text: str) -> bool:
    """False when no key or string of this JSON text can hold a control character (no backslash and no
    raw DEL: the common case, answered without a regex); True when the parsed data must be walked."""
    if "\\" not in text and "\x7f" not in text:
        return False
    return _MAYBE_CONTROL.search(text) is not None


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        message = f"The JSON body is nested deeper than {limit} levels."
        # DRF's own parse, with the text kept so that the control-character check can look at it once.
        try:
            text = stream.read().decode(get_encoding(parser_context or {}))
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            # Python's decoder gives up on very deep nesting with RecursionError, which would be a 500.
            raise ParseError(message) from None
        except ValueError as exc:  # a bad encoding, or no JSON
            raise ParseError(f"JSON parse error - {exc}") from None
        if _too_deep(data, limit):
            raise ParseError(message)
        if may_hold_control(text):
            refuse_control_characters(data)
        return data


def _fields(form) -> dict[str, Any]:
    """A form's fields as the serializer sees them: one value, or the list of a repeated field."""
    return {key: values[0] if len(values) == 1 else values for key, values in form.lists()}


class CheckedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_fields(data))
        return data


class CheckedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_fields(parsed.data))
        return parsed
