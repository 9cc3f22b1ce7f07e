"""Reads of support threads, always within one organization."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from kabinet.support.models import SupportMessage, SupportThread, SupportThreadRead


def thread_list(org, user) -> QuerySet[SupportThread]:
    """The organization's threads, newest activity first, each with its first line and the user's unread mark."""
    # Correlated subqueries: scoped by the outer row (a thread of this organization).
    first = SupportMessage.objects.filter(thread=OuterRef("pk")).order_by("created_at", "id")
    read = SupportThreadRead.objects.filter(
        thread=OuterRef("pk"), user=user, last_read_at__gte=OuterRef("last_message_at")
    )
    return (
        SupportThread.objects.for_org(org)
        .select_related("author")
        .annotate(first_line=Subquery(first.values("body")[:1]), is_read=Exists(read))
        .order_by("-last_message_at", "-id")
    )


def is_unread(user, thread: SupportThread) -> bool:
    """Whether the thread has a message the user has not seen (their read marker is older)."""
    return not SupportThreadRead.objects.filter(
        thread=thread, user=user, last_read_at__gte=thread.last_message_at
    ).exists()


def thread_messages(org, thread: SupportThread) -> QuerySet[SupportMessage]:
    """A thread's messages as a chat, oldest first, with their authors and files."""
    return (
        SupportMessage.objects.for_org(org)
        .filter(thread=thread)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
