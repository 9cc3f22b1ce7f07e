"""`reverse_id` (the row links of the lists) is `reverse()` for every URL of the portal with one integer
argument, under any script prefix, and falls back to `reverse()` for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix

from kabinet.core.links import absolute, absolute_url, reverse_id


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


def test_absolute_links_come_from_portal_url_alone(settings):
    settings.PORTAL_URL = "https://portal.example.ru/"
    assert absolute() == "https://portal.example.ru/"
    assert absolute("contracts/5/") == absolute("/contracts/5/") == "https://portal.example.ru/contracts/5/"
    assert absolute_url("contracts:detail", 5) == "https://portal.example.ru" + reverse("contracts:detail", args=[5])
    assert absolute_url("organizations:invitation", token="t0k") == "https://portal.example.ru/invitation/t0k/"


@pytest.mark.django_db
def test_links_that_leave_the_portal_ignore_the_host_a_request_names(
    client, admin_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """A password-reset letter asked for with a forged Host header still points at PORTAL_URL."""
    settings.PORTAL_URL = "https://portal.example.ru"
    settings.ALLOWED_HOSTS = ["*"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password/reset/", {"phone": str(admin_a.phone)}, HTTP_HOST="evil.example.com")
    body = str(mailoutbox[-1].body)
    assert "https://portal.example.ru/password/reset/" in body and "evil.example.com" not in body


def test_only_core_links_builds_an_absolute_address():
    """Every e-mail, SMS, calendar and notice link goes through `kabinet.core.links` (one setting, PORTAL_URL)."""
    root = Path(__file__).resolve().parents[2]
    readers = sorted(
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "links.py"
        and any(word in path.read_text() for word in ("build_absolute_uri", "PORTAL_URL"))
    )
    assert readers == []
