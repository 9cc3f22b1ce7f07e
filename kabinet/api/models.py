from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.audit.models import ApiEvent  # noqa: F401 (the feed lives with the audit log since issue 15)
from kabinet.messaging.models import OutboxMessage


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A token of one outside system (the creditor's accounting system). Only its hash is stored.

    A token belongs to one creditor and reaches only that creditor's clients, contracts, documents,
    events and requests; a staff-wide token (the back office's own integrations) reaches everything.
    """

    name = models.CharField(_("system"), max_length=128)
    creditor = models.ForeignKey(
        "creditors.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("The token reads and writes only this creditor's clients and contracts."),
    )
    staff_wide = models.BooleanField(
        _("staff-wide (all creditors)"),
        default=False,
        help_text=_("Reaches every creditor's data. Only for the back office's own systems; leave the creditor empty."),
    )
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(_("scope: read"), default=True)
    can_write = models.BooleanField(_("scope: write"), default=False)
    can_change_requisites = models.BooleanField(
        _("scope: change bank requisites"),
        default=False,
        help_text=_("May change the creditor's payment requisites (account, bank, BIC, INN); every change is audited."),
    )
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
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(creditor__isnull=False, staff_wide=False)
                    | models.Q(creditor__isnull=True, staff_wide=True)
                ),
                name="api_token_creditor_or_staff_wide",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls,
        *,
        name: str,
        creditor=None,
        staff_wide: bool = False,
        can_read: bool = True,
        can_write: bool = False,
        can_change_requisites: bool = False,
        allowed_ips: str = "",
    ) -> tuple[ApiToken, str]:
        """Create a token of one creditor (or an explicitly staff-wide one); the key is returned once."""
        if (creditor is None) != staff_wide:
            raise ValueError("A token belongs to one creditor, or is staff-wide without a creditor.")
        prefix = secrets.token_hex(4)
        key = f"kb_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            name=name,
            creditor=creditor,
            staff_wide=staff_wide,
            prefix=prefix,
            key_hash=hash_key(key),
            can_read=can_read,
            can_write=can_write,
            can_change_requisites=can_change_requisites,
            allowed_ips=allowed_ips,
        )
        return token, key

    def ip_networks(self) -> list[str]:
        return [line.strip() for line in self.allowed_ips.splitlines() if line.strip()]


class IdempotentUpload(models.Model):
    """An `Idempotency-Key` of a document upload: a retried upload returns the first answer."""

    token = models.ForeignKey(ApiToken, verbose_name=_("API token"), on_delete=models.CASCADE)
    key = models.CharField(_("Idempotency-Key"), max_length=128)
    document = models.ForeignKey("documents.Document", verbose_name=_("document"), on_delete=models.CASCADE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("upload key")
        verbose_name_plural = _("upload keys (Idempotency-Key)")
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotent_upload_unique")]

    def __str__(self) -> str:
        return self.key


class WebhookDelivery(OutboxMessage):
    """One event sent to one system's webhook; retried with back-off until it answers 2xx
    (`kabinet.messaging.outbox.deliver`, see `kabinet.api.webhooks.WEBHOOKS`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    PENDING, SENDING, DONE, FAILED = Status.PENDING, Status.SENDING, Status.DELIVERED, Status.FAILED
    DONE_AT = "delivered_at"
    KEY_PREFIX = "webhook"

    token = models.ForeignKey(ApiToken, verbose_name=_("system"), on_delete=models.CASCADE)
    event = models.ForeignKey("audit.ApiEvent", verbose_name=_("event"), on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["token", "event"], name="webhook_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.token_id}: {self.status}"
