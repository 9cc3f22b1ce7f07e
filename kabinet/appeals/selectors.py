"""Reads of «Заявки»: the organization's requests and appeals with their documents, comments and
history, and the back office's queues. See docs/architecture.md."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from kabinet.appeals.models import ASKS_CLIENT, OPEN_STATUSES, Appeal, AppealComment, AppealStatus, AppealTopic
from kabinet.contracts.models import Contract
from kabinet.core import textsearch
from kabinet.documents.models import Document


def appeal_list(org, *, q: str = "", product_id: int | None = None, kind: str = "", status: str = "") -> QuerySet:
    """«Заявки»: the organization's requests, newest first, filtered and searched (any case, any alphabet)."""
    appeals: QuerySet[Appeal] = Appeal.objects.for_org(org)
    if product_id:
        appeals = appeals.filter(product_id=product_id)
    if kind:
        appeals = appeals.filter(kind=kind)
    if status:
        appeals = appeals.filter(status=status)
    appeals = textsearch.search(
        appeals, q, fields=["number", "description", "topic__name", "contract__number"], limit=6
    )
    return appeals.select_related("topic", "contract", "product").order_by("-created_at", "-id")


def appeal_detail_queryset() -> QuerySet[Appeal]:
    """What the request's card reads with the request (the view narrows it to the organization)."""
    return Appeal.objects.select_related("topic", "contract", "product", "created_by")


def appeal_documents(org, appeal: Appeal) -> list[Document]:
    """The request's files, both ways (the client's uploads and the lessor's answers), oldest first."""
    return list(Document.objects.for_org(org).filter(appeal=appeal).order_by("created_at", "id"))


def appeal_comments(org, appeal: Appeal) -> list[AppealComment]:
    """The conversation on the request's card, oldest first."""
    return list(appeal.comments.for_org(org).select_related("author").order_by("created_at", "id"))


def appeal_history(org, appeal: Appeal) -> QuerySet:
    """The request's status history, oldest first."""
    return appeal.history.for_org(org).select_related("changed_by").order_by("created_at", "id")


def contracts_to_choose(org) -> list[Contract]:
    """The organization's contracts a new request may be about (the form's choice)."""
    return list(Contract.objects.for_org(org).only("id", "number", "product_id").order_by("number"))


def topics_to_choose(kind: str) -> list[AppealTopic]:
    """The active topics of a kind of request, in the lessor's order."""
    return list(AppealTopic.objects.filter(kind=kind, is_active=True).order_by("position", "name"))


def downloadable_templates() -> QuerySet[AppealTopic]:
    """The active topics with a template to fill in («Справочники» lists them; the download serves one)."""
    return AppealTopic.objects.filter(is_active=True).exclude(template="").order_by("kind", "position")


# The back office's work queue: what each counter counts.
QUEUE_NEW = {AppealStatus.SENT}
QUEUE_IN_PROGRESS = {AppealStatus.REVIEW, AppealStatus.IN_PROGRESS, AppealStatus.DEAL}
QUEUE_WAITING = set(ASKS_CLIENT)


def overdue_before() -> datetime:
    """A request on the lessor's side that has not moved since this moment is overdue."""
    return timezone.now() - timedelta(hours=settings.APPEAL_RESPONSE_HOURS)


def apply_queue(appeals: QuerySet, name: str, user=None) -> QuerySet:
    """One queue of the back office (its filter and its counter count the same rows)."""
    if name == "new":
        return appeals.filter(status__in=QUEUE_NEW)
    if name == "in_progress":
        return appeals.filter(status__in=QUEUE_IN_PROGRESS)
    if name == "waiting":
        return appeals.filter(status__in=QUEUE_WAITING)
    if name == "overdue":
        # Waiting for the client is not the lessor's delay.
        return appeals.annotate(queue_moved_at=Coalesce("status_changed_at", "created_at")).filter(
            status__in=QUEUE_NEW | QUEUE_IN_PROGRESS, queue_moved_at__lt=overdue_before()
        )
    if name == "mine" and user is not None:
        return appeals.filter(assignee=user, status__in=OPEN_STATUSES)
    if name == "unassigned":
        return appeals.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    return appeals


def queue_counts(user) -> dict[str, int]:
    """The work-queue counters in one query."""
    cutoff = overdue_before()
    moved = Coalesce("status_changed_at", "created_at")
    # The lessor's staff work on the requests of every organization.
    return (
        Appeal.objects.unscoped()
        .annotate(queue_moved_at=moved)
        .aggregate(
            new=Count("pk", filter=Q(status__in=QUEUE_NEW)),
            in_progress=Count("pk", filter=Q(status__in=QUEUE_IN_PROGRESS)),
            waiting=Count("pk", filter=Q(status__in=QUEUE_WAITING)),
            overdue=Count("pk", filter=Q(status__in=QUEUE_NEW | QUEUE_IN_PROGRESS, queue_moved_at__lt=cutoff)),
            mine=Count("pk", filter=Q(assignee=user, status__in=OPEN_STATUSES)),
        )
    )
