from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned, TimeStamped
from kabinet.core.storage import template_upload_to


class AppealKind(models.TextChoices):
    NEW_LEASING = "new_leasing", _("New leasing request")
    CONTRACT = "contract", _("Contract appeal")
    INSURANCE = "insurance", _("Insurance appeal")


class AppealStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    REVIEW = "review", _("Under review")
    IN_PROGRESS = "in_progress", _("In progress")
    NEEDS_CONFIRMATION = "needs_confirmation", _("Confirmation required")
    NEEDS_APPROVAL = "needs_approval", _("Approval required")
    DEAL = "deal", _("Deal being arranged")
    DONE = "done", _("Completed")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AppealTopic(TimeStamped):
    """A topic of an appeal, with the extra fields it asks for and an optional template file."""

    kind = models.CharField(_("type"), max_length=16, choices=AppealKind.choices)
    name = models.CharField(_("name"), max_length=255)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    extra_fields = models.JSONField(
        _("extra fields"),
        default=list,
        blank=True,
        help_text=_('A list like [{"name": "date", "label": "Дата", "type": "date", "required": true}].'),
    )
    template = models.FileField(_("template to fill in"), upload_to=template_upload_to, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("appeal topic")
        verbose_name_plural = _("appeal topics")
        ordering = ["kind", "position", "name"]

    def __str__(self) -> str:
        return self.name


class Appeal(OrgOwned):
    """A request or an appeal («Заявка», «Обращение») sent by a client."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=AppealKind.choices)
    topic = models.ForeignKey(AppealTopic, verbose_name=_("topic"), on_delete=models.PROTECT, null=True, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
    )
    product = models.ForeignKey(
        "creditors.Product", verbose_name=_("product"), on_delete=models.SET_NULL, null=True, blank=True
    )
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    description = models.TextField(_("description"))
    data = models.JSONField(_("topic fields"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=AppealStatus.choices, default=AppealStatus.SENT)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests and appeals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="appeal_org_created"),
            models.Index(fields=["organization", "status", "-created_at"], name="appeal_org_status"),
            models.Index(fields=["organization", "kind", "-created_at"], name="appeal_org_kind"),
            models.Index(fields=["status", "created_at"], name="appeal_queue"),
        ]

    def __str__(self) -> str:
        return self.number


class AppealStatusChange(OrgOwned):
    """One row of a request's status history."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("request"), on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("from"), max_length=24, choices=AppealStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=AppealStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "appeal", "created_at"], name="appeal_hist_org")]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.from_status} → {self.to_status}"
