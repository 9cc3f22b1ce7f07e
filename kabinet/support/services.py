"""The support centre (§9): threads between a client organization and the creditor's support."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.appeals.models import AppealCounter
from kabinet.audit.services import audit_record, record_event
from kabinet.core import numbering
from kabinet.core.files import check_upload, check_uploads, clean_filename
from kabinet.core.net import Origin
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify
from kabinet.support.models import SupportAttachment, SupportMessage, SupportThread, SupportThreadRead


def _next_number() -> str:
    # The support series starts at 1 (the requests' counter row starts at 4600, as in the manual).
    highest = numbering.highest_in_series(SupportThread, numbering.SUPPORT_SERIES)
    sequence = numbering.next_in_sequence(AppealCounter, defaults={"last_number": 0}, name="support", at_least=highest)
    return numbering.client_number(numbering.SUPPORT_SERIES, sequence)


def _attach(message: SupportMessage, files: list) -> None:
    for uploaded in files:
        content_type = check_upload(uploaded)
        attachment = SupportAttachment(
            organization_id=message.organization_id,
            message=message,
            original_name=clean_filename(uploaded.name),
            content_type=content_type,
            size=uploaded.size,
        )
        attachment.file.save(attachment.original_name, uploaded, save=False)
        attachment.save()


def thread_mark_read(*, user, thread: SupportThread) -> None:
    SupportThreadRead.objects.update_or_create(user=user, thread=thread, defaults={"last_read_at": timezone.now()})


def thread_create(*, org, user, topic: str, body: str, files: list, origin: Origin | None = None) -> SupportThread:
    files = list(files or [])
    check_uploads(files)
    with transaction.atomic():
        now = timezone.now()
        thread = SupportThread.objects.create(
            organization=org,
            number=_next_number(),
            topic=topic,
            author=user,
            status=SupportThread.Status.OPEN,
            last_message_at=now,
        )
        message = SupportMessage.objects.create(organization=org, thread=thread, author=user, body=body)
        _attach(message, files)
        thread_mark_read(user=user, thread=thread)
        record_event(
            action="support_thread_created",
            organization=org,
            actor=user,
            obj=thread,
            origin=origin,
            event="support.message",
            payload={"thread": thread.number, "topic": topic, "body": body},
        )
    return thread


def message_post(*, org, user, thread_id: int, body: str, files: list, origin: Origin | None = None) -> SupportMessage:
    files = list(files or [])
    check_uploads(files)
    with transaction.atomic():
        thread = SupportThread.objects.for_org(org).select_for_update().get(pk=thread_id)
        message = SupportMessage.objects.create(organization=org, thread=thread, author=user, body=body)
        _attach(message, files)
        thread.last_message_at = message.created_at
        thread.status = SupportThread.Status.OPEN
        thread.save(update_fields=["last_message_at", "status", "updated_at"])
        thread_mark_read(user=user, thread=thread)
        record_event(organization=org, event="support.message", payload={"thread": thread.number, "body": body})
    return message


def thread_staff_reply(
    *, thread_id: int, staff, body: str, files: list | None = None, origin: Origin | None = None
) -> SupportMessage:
    """Staff answer: the organization's employees are told in the portal and by e-mail."""
    with transaction.atomic():
        thread = SupportThread.objects.select_for_update().select_related("organization").get(pk=thread_id)
        message = SupportMessage.objects.create(
            organization_id=thread.organization_id, thread=thread, author=staff, from_staff=True, body=body
        )
        _attach(message, list(files or []))
        thread.last_message_at = message.created_at
        thread.status = SupportThread.Status.ANSWERED
        thread.save(update_fields=["last_message_at", "status", "updated_at"])
        members_notify(
            org=thread.organization,
            kind=Notification.Kind.SUPPORT_REPLY,
            title=_("Support answered: %(topic)s") % {"topic": thread.topic},
            body=body[:500],
            link=reverse("support:thread", args=[thread.pk]),
        )
        audit_record(
            action="support_reply",
            organization=thread.organization,
            actor=staff,
            actor_kind="staff",
            obj=thread,
            origin=origin,
        )
    return message
