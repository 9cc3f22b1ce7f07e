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
    # Back office: who of the lessor's staff works on it (the client never sees this).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )

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
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


# Who may move a request from which status to which. Anything else is refused.
CLIENT_ACTIONS = {AppealStatus.WITHDRAWN}
STAFF_TRANSITIONS: dict[str, set[str]] = {
    AppealStatus.SENT: {AppealStatus.REVIEW, AppealStatus.IN_PROGRESS, AppealStatus.REJECTED},
    AppealStatus.REVIEW: {
        AppealStatus.IN_PROGRESS,
        AppealStatus.NEEDS_CONFIRMATION,
        AppealStatus.NEEDS_APPROVAL,
        AppealStatus.DEAL,
        AppealStatus.DONE,
        AppealStatus.REJECTED,
    },
    AppealStatus.IN_PROGRESS: {
        AppealStatus.NEEDS_CONFIRMATION,
        AppealStatus.NEEDS_APPROVAL,
        AppealStatus.DEAL,
        AppealStatus.DONE,
        AppealStatus.REJECTED,
    },
    AppealStatus.NEEDS_CONFIRMATION: {AppealStatus.IN_PROGRESS, AppealStatus.DONE, AppealStatus.REJECTED},
    AppealStatus.NEEDS_APPROVAL: {AppealStatus.IN_PROGRESS, AppealStatus.DEAL, AppealStatus.REJECTED},
    AppealStatus.DEAL: {AppealStatus.DONE, AppealStatus.REJECTED},
    AppealStatus.DONE: {AppealStatus.CLOSED},
    AppealStatus.CLOSED: set(),
    AppealStatus.REJECTED: set(),
    AppealStatus.WITHDRAWN: set(),
}
# The client may withdraw a request unless it is rejected or already withdrawn (§6.4).
# A finished request (done, closed, rejected, withdrawn) cannot be withdrawn any more.
WITHDRAWABLE = set(AppealStatus.values) - {
    AppealStatus.DONE,
    AppealStatus.CLOSED,
    AppealStatus.REJECTED,
    AppealStatus.WITHDRAWN,
}
# Statuses that wait for the client: the card shows what is asked and takes an answer.
ASKS_CLIENT = {AppealStatus.NEEDS_CONFIRMATION, AppealStatus.NEEDS_APPROVAL}
OPEN_STATUSES = set(AppealStatus.values) - {
    AppealStatus.CLOSED,
    AppealStatus.REJECTED,
    AppealStatus.WITHDRAWN,
    AppealStatus.DONE,
}


def transition_allowed(current: str, new: str, *, by_client: bool) -> bool:
    if by_client:
        return new in CLIENT_ACTIONS and current in WITHDRAWABLE
    return new in STAFF_TRANSITIONS.get(current, set())


class AppealComment(OrgOwned):
    """A message on a request: staff ask or answer, the client answers (with files as documents)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("request"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, blank=True
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("request comment")
        verbose_name_plural = _("request comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "appeal", "created_at"], name="appeal_comment_org")]

    def __str__(self) -> str:
        return self.body[:60]


class AppealCounter(models.Model):
    """The last request number; its row is locked while a number is taken (unique under concurrency)."""

    name = models.CharField(max_length=16, unique=True, default="appeal")
    last_number = models.PositiveIntegerField(default=4600)

    class Meta:
        verbose_name = _("request counter")
        verbose_name_plural = _("request counters")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class StaffNote(models.Model):
    """An internal note of the lessor's staff on a request. Never shown to the client, never sent out.

    Deliberately not organization-owned: no client-facing accessor (`for_org`) can ever reach it.
    """

    appeal = models.ForeignKey(Appeal, verbose_name=_("request"), on_delete=models.CASCADE, related_name="staff_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class ReplyTemplate(TimeStamped):
    """A ready answer staff pick on the request page instead of typing it again."""

    title = models.CharField(_("name"), max_length=255)
    body = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title
