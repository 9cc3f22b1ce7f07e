"""The outbox every outgoing message shares (an abstract model): SMS (accounts.SmsMessage) and webhook
deliveries (api.WebhookDelivery) are rows of their own tables with these columns; `kabinet.messaging.outbox`
delivers them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One message to send, retried with back-off until it is sent or given up.

    A concrete outbox defines `status` with its own choices and names four of them: PENDING (waits for a
    try), SENDING (a worker holds it until `locked_until`), DONE and FAILED; DONE_AT is the field that
    records when it was sent. `idempotency_key()` is the same on every try of one row: the provider
    drops a repeat after a worker died between its answer and our record.
    """

    PENDING: ClassVar[str]
    SENDING: ClassVar[str]
    DONE: ClassVar[str]
    FAILED: ClassVar[str]
    DONE_AT: ClassVar[str]
    KEY_PREFIX: ClassVar[str]

    # Each outbox declares its own (its choices name PENDING, SENDING, DONE and FAILED).
    status = models.CharField(_("status"), max_length=16)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the delivery task was last queued, or when the next try is due (back-off); a row still pending
    # long after this lost its task and the scheduler queues it again (outbox.requeue_stale).
    enqueued_at = models.DateTimeField(_("queued for delivery at"), default=timezone.now)
    # The lease of the worker sending it (status SENDING): past it, the worker is taken for dead.
    locked_until = models.DateTimeField(_("being sent until"), null=True, blank=True)

    class Meta:
        abstract = True

    def idempotency_key(self) -> str:
        return f"{self.KEY_PREFIX}-{self.pk}"
