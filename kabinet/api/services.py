"""The client's own tokens, as an organization's administrator manages them in «Настройки» → «Интеграции»:
issue (the key returned once), revoke (refused at once: the token is read on every call), a webhook
address with its secret (returned once). Each write is one transaction with its «История изменений» row.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin


def client_tokens(org) -> QuerySet[ApiToken]:
    """The organization's client tokens, the active ones first, newest first."""
    return ApiToken.objects.filter(kind=ApiToken.Kind.CLIENT, organization_id=org.pk).order_by(
        "revoked_at", "-created_at", "-id"
    )


def client_token(org, pk: int) -> ApiToken | None:
    """One of the organization's client tokens; another organization's (or a creditor's) is None."""
    return client_tokens(org).filter(pk=pk).first()


def client_token_issue(
    *, org, actor, name: str, allowed_ips: str = "", origin: Origin | None = None
) -> tuple[ApiToken, str]:
    """A read-only token of the organization; the key is returned once and never stored."""
    with transaction.atomic():
        token, key = ApiToken.issue(name=name, organization=org, allowed_ips=allowed_ips)
        audit_record(
            action="client_token_issued",
            organization=org,
            actor=actor,
            obj=token,
            after={"name": token.name, "prefix": token.prefix, "allowed_ips": allowed_ips},
            origin=origin,
        )
    return token, key


def client_token_revoke(*, org, actor, token: ApiToken, origin: Origin | None = None) -> bool:
    """Revoke the token (the next call with it is a 401); False when it already was."""
    with transaction.atomic():
        revoked = (
            ApiToken.objects.filter(pk=token.pk, organization_id=org.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), webhook_url=""
            )
            == 1
        )
        if revoked:
            audit_record(
                action="client_token_revoked",
                organization=org,
                actor=actor,
                obj=token,
                before={"name": token.name, "prefix": token.prefix},
                origin=origin,
            )
    return revoked


def client_webhook_set(*, org, actor, token: ApiToken, url: str, origin: Origin | None = None) -> str:
    """Set (or clear, with "") the token's webhook address; a new signing secret each time an address is
    set, returned once ("" when cleared). The address is checked by the caller (`webhooks.check_webhook_url`)."""
    secret = secrets.token_hex(32) if url else ""
    with transaction.atomic():
        before = token.webhook_url
        ApiToken.objects.filter(pk=token.pk, organization_id=org.pk).update(webhook_url=url, webhook_secret=secret)
        token.webhook_url, token.webhook_secret = url, secret
        audit_record(
            action="client_webhook_set",
            organization=org,
            actor=actor,
            obj=token,
            before={"webhook_url": before},
            after={"webhook_url": url},
            origin=origin,
        )
    return secret
