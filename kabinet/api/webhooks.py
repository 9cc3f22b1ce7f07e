"""Outgoing webhooks: the same events as the feed, POSTed and signed, retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import socket
import ssl
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.api.scoping import TokenScope
from kabinet.core.net import AddressRefused, resolve_public
from kabinet.messaging import outbox
from kabinet.messaging.outbox import Channel, Outcome


def ensure_secret(token: ApiToken) -> str:
    if not token.webhook_secret:
        token.webhook_secret = secrets.token_hex(32)
        ApiToken.objects.filter(pk=token.pk).update(webhook_secret=token.webhook_secret)
    return token.webhook_secret


def sign(secret: str, body: bytes) -> str:
    """The legacy signature (`X-Kabinet-Signature: sha256=<HMAC of the body>`): it has no time, so a
    captured delivery replays for ever. Sent beside `Kabinet-Signature` until LEGACY_SIGNATURE_UNTIL."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# The last day the legacy header is sent (README «Webhooks», CHANGELOG): receivers move to
# `Kabinet-Signature` before it.
LEGACY_SIGNATURE_UNTIL = date(2027, 6, 30)
SIGNATURE_HEADER = "Kabinet-Signature"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). The body carries the event's
    id and kind, so the time, the event and its content are all signed; a receiver refuses a `t` older
    than its replay window (examples/webhook_receiver.py: 5 minutes) and an event id it has seen."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


# SSRF: a webhook URL is typed by staff, but it must never make the portal call into its
# own networks. The host is resolved at registration and again at each delivery; every address it
# resolves to must be public (or inside WEBHOOK_ALLOWED_NETWORKS); the connection goes to the address
# that was checked (no second lookup to rebind), and a redirect is an error, never followed.


def check_webhook_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a webhook URL whose host resolves only to allowed addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("only http:// and https:// URLs with a host")
    if parts.username or parts.password:
        raise AddressRefused("no credentials in the URL: the body is signed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused("bad port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked beforehand; Host stays the URL's name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is verified for the URL's name (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to a webhook; the HTTP status (a 3xx is returned as is: redirects are not followed)."""
    scheme, host, port, path = check_webhook_url(url)
    address = resolve_public(host, port)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def fan_out(event_id: int) -> list[int]:
    """Create one delivery per system with a webhook that may read the event, and queue them."""
    from kabinet.api.tasks import deliver_webhook  # reason: a cycle (api.tasks runs this module)

    tokens = ApiToken.objects.filter(revoked_at__isnull=True, can_read=True).exclude(webhook_url="")
    ids = []
    for token in tokens:
        if not TokenScope(token).queryset(ApiEvent).filter(pk=event_id).exists():
            continue  # another creditor's client: its system never hears of it
        delivery, _ = WebhookDelivery.objects.get_or_create(token=token, event_id=event_id)
        ids.append(delivery.pk)
    transaction.on_commit(lambda: [deliver_webhook.enqueue(pk) for pk in ids])
    return ids


def _body(event: ApiEvent) -> bytes:
    return json.dumps(
        {
            "id": event.pk,
            "kind": event.kind,
            "created_at": event.created_at.isoformat(),
            "organization": event.organization.external_id if event.organization else None,
            "payload": event.payload,
        },
        ensure_ascii=False,
    ).encode()


def _send(delivery: WebhookDelivery) -> Outcome:
    """One try of one delivery (called by the outbox outside any transaction)."""
    event: ApiEvent = delivery.event
    body = _body(event)
    secret = ensure_secret(delivery.token)
    now = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "X-Kabinet-Event": event.kind,
        "X-Kabinet-Delivery": str(delivery.pk),
        # The same key on every try: the receiver drops a repeat after we died before recording.
        "Idempotency-Key": delivery.idempotency_key(),
        # Signed afresh on every try (a new time), so a retry is inside the receiver's window.
        SIGNATURE_HEADER: signature_header(secret, body, int(now.timestamp())),
    }
    if timezone.localdate(now) <= LEGACY_SIGNATURE_UNTIL:
        headers["X-Kabinet-Signature"] = sign(secret, body)
    try:
        status = post_json(delivery.token.webhook_url, body, headers, settings.WEBHOOK_TIMEOUT)
    except AddressRefused as exc:
        # Asking again will not make an internal address public: give up at once.
        return Outcome(ok=False, retryable=False, error=f"refused: {exc}")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(ok=False, error=exc.__class__.__name__)
    if 200 <= status < 300:
        return Outcome(ok=True, update={"response_code": status})
    if 300 <= status < 400:
        return Outcome(ok=False, error=f"HTTP {status}: redirects are not followed", update={"response_code": status})
    return Outcome(ok=False, error=f"HTTP {status}", update={"response_code": status})


def _task():
    from kabinet.api.tasks import deliver_webhook  # reason: a cycle (api.tasks runs this module)

    return deliver_webhook


WEBHOOKS = Channel(
    name="webhook",
    model=WebhookDelivery,
    send=_send,
    task=_task,
    max_attempts=lambda: settings.WEBHOOK_ATTEMPTS,
    retry_delay=lambda attempts: 10 * 3 ** (attempts - 1),
    select_related=("token", "event", "event__organization"),
)


def deliver(delivery_id: int) -> str:
    """POST one delivery (`kabinet.messaging.outbox.deliver`): 2xx delivers it; a network error or another
    answer schedules a retry with back-off, WEBHOOK_ATTEMPTS tries at most; a refused address fails at once."""
    return outbox.deliver(WEBHOOKS, delivery_id)


def requeue_stale() -> int:
    """Queue again every delivery whose try was lost (a worker killed mid-request); the receiver sees the
    same `Idempotency-Key` / `X-Kabinet-Delivery`. See outbox.requeue_stale."""
    return outbox.requeue_stale(WEBHOOKS)


def on_event_recorded(sender, *, event_id: int, **kwargs) -> None:
    """`kabinet.audit.signals.event_recorded` (connected in ApiConfig.ready): fan the event out to webhooks."""
    from kabinet.api.tasks import fan_out_event  # reason: a cycle (api.tasks runs this module)

    fan_out_event.enqueue(event_id)
