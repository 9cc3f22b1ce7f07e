"""Secrets that travel in URLs, cut out of every log line (the access log and the request log).

The calendar feed, a password-reset link and an invitation carry their secret in the path; whoever
reads a log must not be able to subscribe, reset or join with it. Pure string work, no Django: gunicorn's
access logger (config/access_log.py) imports it before any Django setup.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
# Each pattern keeps the part before the secret (group 1) and after it (group 2).
_SECRET_PATHS = (
    re.compile(r"(/calendar/)[^/?#\s]+?(\.ics)"),
    re.compile(r"(/invitation/)[^/?#\s]+(/|$)"),
    # Django's reset view moves the token into the session and redirects to …/set-password/: that
    # placeholder is no secret, every other value in its place is.
    re.compile(r"(/password/reset/[^/?#\s]+/)(?!set-password/)[^/?#\s]+(/|$)"),
)
# Query parameters whose value is a secret wherever they appear.
_SECRET_QUERY = re.compile(r"((?:^|[?&])(?:token|key|code|password|secret)=)[^&#\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` (a path, a full URL, or a request line) with every known secret replaced by [redacted]."""
    if not text:
        return text
    for pattern in _SECRET_PATHS:
        text = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(2)}", text)
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
