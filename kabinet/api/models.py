from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A token of one outside system (the creditor's accounting system). Only its hash is stored."""

    name = models.CharField(_("system"), max_length=128)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(_("scope: read"), default=True)
    can_write = models.BooleanField(_("scope: write"), default=False)
    allowed_ips = models.TextField(
        _("allowed IP addresses"), blank=True, help_text=_("One address or network per line; empty: any.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    webhook_url = models.URLField(
        _("webhook URL"),
        blank=True,
        help_text=_("Events are POSTed here, signed with HMAC-SHA256; empty: no webhooks."),
    )
    webhook_secret = models.CharField(_("webhook secret"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, *, name: str, can_read: bool = True, can_write: bool = False, allowed_ips: str = ""
    ) -> tuple[ApiToken, str]:
        """Create a token; the key is returned once and never stored."""
        prefix = secrets.token_hex(4)
        key = f"kb_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            name=name,
            prefix=prefix,
            key_hash=hash_key(key),
            can_read=can_read,
            can_write=can_write,
            allowed_ips=allowed_ips,
        )
        return token, key

    def ip_networks(self) -> list[str]:
        return [line.strip() for line in self.allowed_ips.splitlines() if line.strip()]


class IdempotentUpload(models.Model):
    """An `Idempotency-Key` of a document upload: a retried upload returns the first answer."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE)
    key = models.CharField(max_length=128)
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotent_upload_unique")]

    def __str__(self) -> str:
        return self.key


class ApiEvent(models.Model):
    """What clients did, for the accounting system to poll: an append-only feed read by id cursor."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration.awaiting", _("Registration awaiting approval")
        APPEAL_CREATED = "appeal.created", _("Request sent")
        APPEAL_ANSWERED = "appeal.answered", _("Client answered a request")
        APPEAL_STATUS = "appeal.status", _("Request status changed")
        SUPPORT_MESSAGE = "support.message", _("Support message")
        DOCUMENT_UPLOADED = "document.uploaded", _("Document uploaded by a client")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API event")
        verbose_name_plural = _("API events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


class WebhookDelivery(models.Model):
    """One event sent to one system's webhook; retried with back-off until it answers 2xx."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    token = models.ForeignKey(ApiToken, verbose_name=_("system"), on_delete=models.CASCADE)
    event = models.ForeignKey(ApiEvent, verbose_name=_("event"), on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # When a delivery task was last queued (or is due); see webhooks.requeue_stale().
    enqueued_at = models.DateTimeField(_("queued for delivery at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["token", "event"], name="webhook_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.token_id}: {self.status}"
