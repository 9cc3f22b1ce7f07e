from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.header_cache import HeaderCacheQuerySetMixin
from kabinet.core.models import OrgOwned, OrgScopedQuerySet
from kabinet.messaging.models import OutboxMessage


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
        PAYMENT_OVERDUE = "payment_overdue", _("Payment overdue")
        SUPPORT_REPLY = "support_reply", _("Support reply")
        JOIN_REQUEST = "join_request", _("Request to join the organization")
        CLOSING_DOCUMENTS = "closing_documents", _("Closing documents of the month are ready")

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


class Channel(models.TextChoices):
    """Where a notice reaches a person."""

    PORTAL = "portal", _("In the portal")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")


class NoticeChannels(models.Model):
    """A person's choice of channels for one kind of notice. No row: in the portal and by e-mail (the e-mail
    as chosen on «Уведомления» before channels existed). Codes (sign-in, signing) are not notices: never here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notice_channels"
    )
    kind = models.CharField(_("type"), max_length=24, choices=Notification.Kind.choices)
    portal = models.BooleanField(_("in the portal"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    telegram = models.BooleanField(_("Telegram"), default=False)
    # Payment reminders only: one message a day listing every line instead of one message per line.
    digest = models.BooleanField(_("daily digest"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notice channels")
        verbose_name_plural = _("notice channels")
        ordering = ["user", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_channels_user_kind")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class TelegramLink(models.Model):
    """A person's Telegram chat with the bot (made by `/start <code>`, ended by `/stop`). `blocked_at`: the
    Bot API answered 403 (the person blocked the bot); notices go by e-mail until they link again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="telegram_link"
    )
    chat_id = models.BigIntegerField(_("Telegram chat"), unique=True)
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    blocked_at = models.DateTimeField(_("bot blocked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")
        ordering = ["-linked_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.username or self.chat_id}"


class TelegramLinkCode(models.Model):
    """The one-time code of a «Подключить Telegram» link: valid TELEGRAM_LINK_CODE_TTL seconds, used once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%d.%m.%Y %H:%M}"


class TelegramMessage(OutboxMessage):
    """The Telegram outbox: one notice to one person, delivered by `kabinet.messaging.outbox` (see
    `kabinet.notifications.telegram.TELEGRAM`). A notice due in quiet hours is created with `enqueued_at` at the
    window's end and is not tried before it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    PENDING, SENDING, DONE, FAILED = Status.QUEUED, Status.SENDING, Status.SENT, Status.FAILED
    DONE_AT = "sent_at"
    KEY_PREFIX = "telegram"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    # A global outbox like the SMS one (no organization key): the organization's name is kept for the text.
    organization_name = models.CharField(_("organization"), max_length=255, blank=True)
    kind = models.CharField(_("type"), max_length=24, choices=Notification.Kind.choices, blank=True)
    chat_id = models.BigIntegerField(_("Telegram chat"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(_("provider message id"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The bot was blocked: the notice went by e-mail instead.
    fell_back_to_email = models.BooleanField(_("sent by e-mail instead"), default=False)

    class Meta:
        verbose_name = _("Telegram message")
        verbose_name_plural = _("Telegram outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="telegram_status")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_status_display()}"


class ShortLink(models.Model):
    """The short address of a portal page for an SMS (`/s/<code>`): the code is random (unguessable), the target
    is a path of the portal (never another site). Following it writes nothing."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    path = models.CharField(_("portal path"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("short link")
        verbose_name_plural = _("short links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"/s/{self.code} → {self.path}"


class NoticeDelivery(models.Model):
    """One notice to one person on one channel, as the back office's «Доставка» shows it: in the portal and by
    e-mail it is sent once made (the mail server answers nothing later); SMS and Telegram read their outbox row
    (queued, sent, failed with the reason; a Telegram notice to a blocked bot went by e-mail instead). The SMS
    gateways' clients report no delivery receipts, so «sent» is the last word there."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=24, choices=Notification.Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sms_message = models.ForeignKey(
        "accounts.SmsMessage", verbose_name=_("SMS"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    telegram_message = models.ForeignKey(
        TelegramMessage, verbose_name=_("Telegram message"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="notice_delivery_recent")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()} · {self.title}"

    def delivery(self) -> tuple[str, str]:
        """(status, reason) as the back office shows them."""
        message = self.sms_message if self.channel == Channel.SMS else self.telegram_message
        if self.channel in (Channel.SMS, Channel.TELEGRAM):
            if message is None:
                return self.Status.FAILED, str(_("The message is gone from the outbox."))
            if message.status == message.FAILED:
                reason = message.last_error
                if getattr(message, "fell_back_to_email", False):
                    reason = f"{reason} · {_('sent by e-mail instead')}"
                return self.Status.FAILED, reason
            if message.status == message.DONE:
                return self.Status.SENT, ""
            return self.Status.QUEUED, message.last_error
        if self.channel == Channel.PORTAL:
            return self.Status.DELIVERED, ""
        return self.Status.SENT, ""
