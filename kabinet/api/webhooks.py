"""Outgoing webhooks: the same events as the feed, POSTed and signed, retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.core.metrics import delivery_failed


def ensure_secret(token: ApiToken) -> str:
    if not token.webhook_secret:
        token.webhook_secret = secrets.token_hex(32)
        ApiToken.objects.filter(pk=token.pk).update(webhook_secret=token.webhook_secret)
    return token.webhook_secret


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def fan_out(event_id: int) -> list[int]:
    """Create one delivery per system with a webhook and queue them."""
    from kabinet.api.tasks import deliver_webhook

    tokens = ApiToken.objects.filter(revoked_at__isnull=True, can_read=True).exclude(webhook_url="")
    ids = []
    for token in tokens:
        delivery, _ = WebhookDelivery.objects.get_or_create(token=token, event_id=event_id)
        ids.append(delivery.pk)
    transaction.on_commit(lambda: [deliver_webhook.enqueue(pk) for pk in ids])
    return ids


def deliver(delivery_id: int) -> str:
    from kabinet.api.tasks import deliver_webhook

    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",)).select_related("token", "event").get(pk=delivery_id)
        )
        if delivery.status != WebhookDelivery.Status.PENDING:
            return delivery.status
        event: ApiEvent = delivery.event
        body = json.dumps(
            {
                "id": event.pk,
                "kind": event.kind,
                "created_at": event.created_at.isoformat(),
                "organization": event.organization.external_id if event.organization else None,
                "payload": event.payload,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is configured by staff)
            delivery.token.webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Kabinet-Event": event.kind,
                "X-Kabinet-Delivery": str(delivery.pk),
                # The same key on every try: the receiver drops a repeat after we died before recording.
                "Idempotency-Key": f"webhook-{delivery.pk}",
                "X-Kabinet-Signature": sign(ensure_secret(delivery.token), body),
            },
        )
        delivery.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
                delivery.response_code = response.status
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
        except urllib.error.HTTPError as exc:
            delivery.response_code, delivery.last_error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            delivery.last_error = f"{exc.__class__.__name__}"[:255]
        if delivery.status == WebhookDelivery.Status.PENDING:
            delivery_failed("webhook")
            if delivery.attempts >= settings.WEBHOOK_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
        if delivery.status == WebhookDelivery.Status.PENDING and deliver_webhook.get_backend().supports_defer:
            run_after = timezone.now() + timedelta(seconds=10 * 3 ** (delivery.attempts - 1))
            delivery.enqueued_at = run_after
            transaction.on_commit(lambda: deliver_webhook.using(run_after=run_after).enqueue(delivery_id))
        delivery.save()
        return delivery.status


def requeue_stale() -> int:
    """Queue again every pending delivery whose task was due OUTBOX_STALE_AFTER seconds ago and never ran to
    the end (a worker killed mid-request). The receiver sees the same `Idempotency-Key` / `X-Kabinet-Delivery`."""
    from kabinet.api.tasks import deliver_webhook

    now = timezone.now()
    stale = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, enqueued_at__lt=now - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    )
    ids = list(stale.values_list("pk", flat=True)[:1000])
    WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    for pk in ids:
        deliver_webhook.enqueue(pk)
    return len(ids)
