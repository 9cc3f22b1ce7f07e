"""The client's address: X-Forwarded-For is believed only when it comes through a trusted proxy."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def trusted_proxy(address: str) -> bool:
    """True when `address` is one of TRUSTED_PROXIES: only then are its forwarded headers believed."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    if not remote or not trusted_proxy(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Walk from the nearest hop: the first address not of our own proxies is the client.
    for address in reversed(forwarded):
        if not trusted_proxy(address):
            try:
                ipaddress.ip_address(address)
            except ValueError:
                return remote
            return address
    return remote


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:255]


@dataclass(frozen=True)
class Origin:
    """Where a change came from, for the audit: the client's address and browser. Services take this
    (and the acting user), never the request; a view passes `Origin.of(request)`."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> Origin:
        return cls(ip=client_ip(request), user_agent=user_agent(request))


def ratelimit_ip(request) -> str:
    """The address django-ratelimit counts by (RATELIMIT_IP_META_KEY): the same one as everywhere else."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 (a bucket name, not a bind address)


# ---------------------------------------------------------------------------------------------
# Outgoing requests to addresses someone configured (webhooks): never into our own networks.


class AddressRefused(Exception):
    """The URL resolves to an address outgoing requests must not reach (loopback, private, metadata…)."""


def _allowed_networks():
    return _networks(tuple(getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ()) or ()))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, the embedding varies
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # the deprecated `::a.b.c.d`


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 transition form leads to (mapped, compatible, 6to4, Teredo, NAT64):
    the packet ends up there, so that is the address to judge."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client): both must be public
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if any(ip in network for network in _allowed_networks()):
        return True
    # `is_global` is False for loopback, private (RFC 1918, ULA), link-local (169.254.169.254, the cloud
    # metadata address, is one), shared (100.64/10), reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address, or one inside WEBHOOK_ALLOWED_NETWORKS. An IPv6 form
    that carries an IPv4 address (`::ffff:127.0.0.1`, `::127.0.0.1`, `2002:7f00:1::1`, `64:ff9b::7f00:1`,
    Teredo) is judged by the IPv4 address it leads to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return any(ip in network for network in _allowed_networks())
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(_is_public(v4) for v4 in embedded)
    return _is_public(ip)


def resolve_public(host: str, port: int) -> str:
    """Resolve `host` now and return an address to connect to; refuse if ANY of its addresses is not public
    (a name with one public and one internal address is a rebinding trick)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"{host} does not resolve") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"{host} does not resolve")
    for address in addresses:
        if not address_is_public(address):
            raise AddressRefused(f"{host} resolves to a non-public address {address}")
    return addresses[0]
