from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgScopedManager


class AuditEvent(models.Model):
    """Who did what, to what, when and from where; before and after. Written by services only."""

    class ActorKind(models.TextChoices):
        USER = "user", _("Client user")
        STAFF = "staff", _("Staff")
        API = "api", _("Integration")
        SYSTEM = "system", _("System")

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(_("actor"), max_length=16, choices=ActorKind.choices, default=ActorKind.USER)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = OrgScopedManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created"),
            models.Index(fields=["organization", "action", "-created_at"], name="audit_org_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ApiEvent(models.Model):
    """What clients did, for the accounting system to poll: an append-only feed read by id cursor.

    Written by `kabinet.audit.services.record_event` only, next to its audit row; the api app serves it
    (`GET /api/v1/events/`) and pushes it to webhooks (`event_recorded`)."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration.awaiting", _("Registration awaiting approval")
        APPEAL_CREATED = "appeal.created", _("Request sent")
        APPEAL_ANSWERED = "appeal.answered", _("Client answered a request")
        APPEAL_STATUS = "appeal.status", _("Request status changed")
        SUPPORT_MESSAGE = "support.message", _("Support message")
        DOCUMENT_UPLOADED = "document.uploaded", _("Document uploaded by a client")
        DOCUMENT_SIGNED = "document.signed", _("Document signed by a client")
        DOCUMENT_SIGNATURE_REFUSED = "document.signature_refused", _("Client refused to sign a document")
        # What the lessor's side did about the organization: for the client's own systems only
        # (`/api/v1/client/events/` and the client's webhook), never echoed to the creditor's feed.
        CONTRACT_CREATED = "contract.created", _("Contract added")
        CONTRACT_CHANGED = "contract.changed", _("Contract changed")
        SCHEDULE_CHANGED = "schedule.changed", _("Payment schedule changed")
        PAYMENT_RECEIVED = "payment.received", _("Payment received")
        INVOICE_ISSUED = "invoice.issued", _("Invoice issued")
        DOCUMENT_PUBLISHED = "document.published", _("Document added by the lessor")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whose object the event is about, when it is one creditor's (a request or document on its contract
    # or product): only that creditor's tokens hear of it. Empty: the organization's own (a registration,
    # a support message), heard by every creditor of the client.
    creditor = models.ForeignKey(
        "creditors.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API event")
        verbose_name_plural = _("API events")
        ordering = ["id"]
        db_table = "api_apievent"  # created by the api app; the model moved here, the table stayed

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


# The events only a client's own system hears of (the creditor's systems made them: no echo back).
CLIENT_ONLY_EVENT_KINDS = (
    ApiEvent.Kind.CONTRACT_CREATED,
    ApiEvent.Kind.CONTRACT_CHANGED,
    ApiEvent.Kind.SCHEDULE_CHANGED,
    ApiEvent.Kind.PAYMENT_RECEIVED,
    ApiEvent.Kind.INVOICE_ISSUED,
    ApiEvent.Kind.DOCUMENT_PUBLISHED,
)
