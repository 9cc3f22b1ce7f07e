"""The one way the code reads its environment: typed, failing loudly at start-up on a bad value.

Every kind (str, int, float, bool, list, url) also reads `NAME_FILE`: the value is the content of that
file (a Docker or systemd secret), stripped of surrounding whitespace; setting both is refused.
`docs/settings.md` is generated from the calls to these helpers (`python -m config.settings_doc`),
and a test fails when a variable is read somewhere else, is undocumented, or the page is stale.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

# The helpers the settings reference is generated from (config/settings_doc.py finds their calls).
HELPERS = ("env_str", "env_int", "env_float", "env_bool", "env_list", "env_url")


def _raw(name: str) -> str | None:
    """The variable's text: from NAME_FILE when set, else NAME, else None."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        if os.environ.get(name) is not None:
            raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both")
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {exc.strerror}") from exc
    return os.environ.get(name)


def env_is_set(name: str) -> bool:
    """Whether the variable is given at all (NAME or NAME_FILE), whatever its value."""
    return bool(os.environ.get(name) or os.environ.get(f"{name}_FILE"))


def env_str(name: str, default: str | None = None) -> str:
    value = _raw(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = _raw(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = _raw(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """A URL with a scheme and a host (or a path, for sqlite:///…); an empty value means "not set"."""
    value = env_str(name, default).strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path):
        # The value is not echoed: a URL may carry a password.
        raise ImproperlyConfigured(f"{name} must be a URL like scheme://host…")
    return value
