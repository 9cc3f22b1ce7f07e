from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.audit.models import ApiEvent  # noqa: F401 (the feed lives with the audit log; old imports keep working)
from kabinet.messaging.models import OutboxMessage


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A token of one outside system (the creditor's accounting system). Only its hash is stored.

    Its `kind` says what it reaches, explicitly: a creditor's token only that creditor's clients,
    contracts, documents, events and requests; a staff token (the back office's own integrations)
    everything; a client's token (issued by an organization's administrator for its own 1С or treasury
    system) reads its organization only, across every creditor, through `/api/v1/client/`, and writes
    nothing. Nothing is inferred from an empty creditor.
    """

    class Kind(models.TextChoices):
        CREDITOR = "creditor", _("Creditor's system")
        STAFF = "staff", _("Back office (all creditors)")
        CLIENT = "client", _("Client's own system (read only)")

    name = models.CharField(_("system"), max_length=128)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=Kind.choices,
        default=Kind.CREDITOR,
        help_text=_("A creditor's token reaches its creditor's clients only; a back-office token reaches all data."),
    )
    creditor = models.ForeignKey(
        "creditors.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("The token reads and writes only this creditor's clients and contracts."),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A client's token reads this organization only."),
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
                    models.Q(kind="creditor", creditor__isnull=False, organization__isnull=True)
                    | models.Q(kind="staff", creditor__isnull=True, organization__isnull=True)
                    | models.Q(
                        kind="client",
                        creditor__isnull=True,
                        organization__isnull=False,
                        can_write=False,
                        can_change_requisites=False,
                    )
                ),
                name="api_token_kind_matches_owner",
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
        organization=None,
        kind: str | None = None,
        staff_wide: bool = False,
        can_read: bool = True,
        can_write: bool = False,
        can_change_requisites: bool = False,
        allowed_ips: str = "",
    ) -> tuple[ApiToken, str]:
        """Create a token of one creditor (or a back-office one: `kind=STAFF`, or `staff_wide=True` for
        short; or a client's read-only one: `organization=`); the key is returned once."""
        if organization is not None:
            kind = cls.Kind.CLIENT
            if creditor is not None or can_write or can_change_requisites:
                raise ValueError("A client's token belongs to its organization only and reads only.")
        kind = kind or (cls.Kind.STAFF if staff_wide else cls.Kind.CREDITOR)
        if kind not in cls.Kind.values or (kind == cls.Kind.CLIENT) != (organization is not None):
            raise ValueError("A client's token names its organization.")
        if kind != cls.Kind.CLIENT and (creditor is None) != (kind == cls.Kind.STAFF):
            raise ValueError("A token belongs to one creditor, or is a back-office token without a creditor.")
        prefix = secrets.token_hex(4)
        key = f"kb_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            name=name,
            creditor=creditor,
            organization=organization,
            kind=kind,
            prefix=prefix,
            key_hash=hash_key(key),
            can_read=can_read,
            can_write=can_write,
            can_change_requisites=can_change_requisites,
            allowed_ips=allowed_ips,
        )
        return token, key

    @property
    def is_staff(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def is_client(self) -> bool:
        return self.kind == self.Kind.CLIENT

    def ip_networks(self) -> list[str]:
        return [line.strip() for line in self.allowed_ips.splitlines() if line.strip()]


class IdempotentUpload(models.Model):
    """An `Idempotency-Key` of a document upload: a retried upload returns the first answer."""

    token = models.ForeignKey(ApiToken, verbose_name=_("API token"), on_delete=models.CASCADE)
    key = models.CharField(_("Idempotency-Key"), max_length=128)
    # Empty while the first upload with the key is in flight (it claims the key before it writes).
    document = models.ForeignKey(
        "documents.Document", verbose_name=_("document"), on_delete=models.CASCADE, null=True, blank=True
    )
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
