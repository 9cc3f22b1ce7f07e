from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.core.models import OrgOwned
from kabinet.core.storage import attachment_upload_to


class SupportThread(OrgOwned):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("support appeal", "Open")
        ANSWERED = "answered", pgettext_lazy("support appeal", "Answered")
        CLOSED = "closed", pgettext_lazy("support appeal", "Closed")

    number = models.CharField(_("number"), max_length=32, unique=True)
    topic = models.CharField(_("topic"), max_length=255)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)

    class Meta:
        verbose_name = _("support thread")
        verbose_name_plural = _("support threads")
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-last_message_at"], name="thread_org_last"),
            models.Index(fields=["status", "last_message_at"], name="thread_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.topic}"


class SupportMessage(OrgOwned):
    thread = models.ForeignKey(
        SupportThread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("support message")
        verbose_name_plural = _("support messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "thread", "created_at"], name="msg_org_thread")]

    def __str__(self) -> str:
        return self.body[:60]


class SupportAttachment(OrgOwned):
    message = models.ForeignKey(
        SupportMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["organization", "message"], name="att_org_message")]

    def __str__(self) -> str:
        return self.original_name


class SupportThreadRead(models.Model):
    """When a user last read a thread (unread marks in the list)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(SupportThread, on_delete=models.CASCADE, related_name="reads")
    last_read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("thread read mark")
        verbose_name_plural = _("thread read marks")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="thread_read_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.thread_id}"
