from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.header_cache import HeaderCacheQuerySetMixin
from kabinet.core.models import OrgOwned, OrgScopedQuerySet


class NotificationQuerySet(HeaderCacheQuerySetMixin, OrgScopedQuerySet):
    pass


class Notification(OrgOwned):
    """An event told to one member of an organization (fanned out per user for read marks)."""

    class Kind(models.TextChoices):
        APPEAL_STATUS = "appeal_status", _("Request status changed")
        CONTRACT_STATUS = "contract_status", _("Contract status changed")
        SCHEDULE_UPDATED = "schedule_updated", _("Payment schedule updated")
        KEY_RATE = "key_rate", _("Key rate changed")
        NEW_DOCUMENT = "new_document", _("New document")
        PAYMENT_DUE = "payment_due", _("Payment due soon")
        SUPPORT_REPLY = "support_reply", _("Support reply")
        JOIN_REQUEST = "join_request", _("Request to join the organization")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    # Its own queryset (it invalidates the header cache), still an OrgScopedQuerySet.
    objects = models.Manager.from_queryset(NotificationQuerySet)()  # type: ignore[misc]

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "user", "-created_at", "-id"], name="notif_org_user_created"),
            models.Index(fields=["organization", "user", "read_at"], name="notif_org_user_unread"),
        ]

    def __str__(self) -> str:
        return self.title
