"""The client's address: X-Forwarded-For is believed only when it comes through a trusted proxy."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    if not remote or not _trusted(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Walk from the nearest hop: the first address not of our own proxies is the client.
    for address in reversed(forwarded):
        if not _trusted(address):
            try:
                ipaddress.ip_address(address)
            except ValueError:
                return remote
            return address
    return remote


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:255]


def ratelimit_ip(request) -> str:
    """The address django-ratelimit counts by (RATELIMIT_IP_META_KEY): the same one as everywhere else."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 (a bucket name, not a bind address)
