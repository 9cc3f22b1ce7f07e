"""Token authentication and scopes of the integration API (cookies and sessions do not count here)."""

from __future__ import annotations

import hmac
import ipaddress

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from kabinet.api.models import ApiToken, hash_key
from kabinet.core.net import client_ip


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer kb_<prefix>_<secret>`."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme != self.keyword or not key.startswith("kb_"):
            raise exceptions.AuthenticationFailed("Invalid token header.")
        parts = key.split("_", 2)
        token = ApiToken.objects.filter(prefix=parts[1] if len(parts) == 3 else "").first()
        if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The token is revoked.")
        networks = token.ip_networks()
        if networks:
            ip = ipaddress.ip_address(client_ip(request) or "0.0.0.0")  # noqa: S104 (an address to compare)
            if not any(ip in ipaddress.ip_network(n, strict=False) for n in networks):
                raise exceptions.PermissionDenied("This address may not use the token.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return (None, token)

    def authenticate_header(self, request):
        return self.keyword


# The token kinds each part of the API serves: the creditors' endpoints never answer a client's token,
# the client's endpoints (`/api/v1/client/`) answer nothing else. A view names its kinds in `token_kinds`.
CREDITOR_KINDS = frozenset({ApiToken.Kind.CREDITOR, ApiToken.Kind.STAFF})
CLIENT_KINDS = frozenset({ApiToken.Kind.CLIENT})


class HasScope(permissions.BasePermission):
    """The token is of a kind the view serves; reads need the read scope; writes need the write scope."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if token.kind not in getattr(view, "token_kinds", CREDITOR_KINDS):
            self.message = (
                "A client's token reads /api/v1/client/ only."
                if token.is_client
                else "Only a client's token reads /api/v1/client/."
            )
            return False
        if request.method in permissions.SAFE_METHODS:
            return token.can_read
        return token.can_write


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token to the OpenAPI document (drf-spectacular finds its extensions by subclass)."""

    target_class = "kabinet.api.auth.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer kb_<prefix>_<secret>`"}
