"""The one delivery loop of every outbox (SMS, Telegram, webhooks).

`deliver(channel, pk)`:
1. claims the row in a short transaction (`select_for_update(skip_locked=True)` and a conditional UPDATE,
   so two workers never both send it — on SQLite too, where row locks do not exist): it becomes SENDING,
   with a lease (`locked_until`) and one more attempt;
2. sends it OUTSIDE any transaction or row lock (a slow gateway holds no database resources);
3. records the outcome, only if the lease is still ours: DONE; or PENDING again with the next try
   scheduled after an exponential back-off; or FAILED after `max_attempts` (or at once for an error
   that a retry cannot fix), keeping the last error.

A row created with `enqueued_at` in the future (a notice held through quiet hours) is not claimed before
then: its task is queued to run at that time (`run_after`), or the sweep finds it afterwards.

`requeue_stale(channel)` is the scheduler's sweep: a SENDING row whose lease expired (the worker was killed
mid-send) and a PENDING row whose task was due OUTBOX_STALE_AFTER ago and never ran are queued again.
The retry carries the same idempotency key, so a message that reached the provider before the worker
died is not sent twice by a provider that honours the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kabinet.core.metrics import delivery_failed
from kabinet.messaging.models import OutboxMessage

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one try gave: sent or not; whether another try may succeed; fields to record on the row."""

    ok: bool
    retryable: bool = True
    error: str = ""
    update: dict[str, Any] = field(default_factory=dict)
    retry_after: float = 0  # seconds the provider asked us to wait (a 429's Retry-After); else the back-off


@dataclass(frozen=True)
class Channel:
    """One outbox: its model, how a row is sent, the task that delivers a row, and its retry policy."""

    name: str  # the metrics label: "sms", "webhook"
    model: type[OutboxMessage]
    send: Callable[[Any], Outcome]
    task: Callable[[], Any]  # returns the django-tasks task taking a row's id (task modules import services)
    max_attempts: Callable[[], int]
    retry_delay: Callable[[int], float]  # seconds before try n+1 after n tries
    lease: Callable[[], float] = lambda: settings.OUTBOX_LEASE
    select_related: tuple[str, ...] = ()


def _claimable(model: type[OutboxMessage], now) -> Q:
    # A first try waits for its `enqueued_at` (a notice held through quiet hours is created with it at the
    # window's end); a retry's early duplicate task may run it, as before.
    waiting = Q(status=model.PENDING) & (Q(attempts__gt=0) | Q(enqueued_at__lte=now))
    return waiting | Q(status=model.SENDING, locked_until__lt=now)


def claim(channel: Channel, pk: int) -> OutboxMessage | None:
    """Take the row for one try, or None when it is not waiting (sent, given up, or another worker's)."""
    model = channel.model
    now = timezone.now()
    with transaction.atomic():
        row = (
            model._default_manager.select_for_update(skip_locked=True, of=("self",))
            .select_related(*channel.select_related)
            .filter(_claimable(model, now), pk=pk)
            .first()
        )
        if row is None:
            return None
        lease_until = now + timedelta(seconds=channel.lease())
        taken = model._default_manager.filter(_claimable(model, now), pk=pk).update(
            status=model.SENDING, locked_until=lease_until, attempts=F("attempts") + 1
        )
        if not taken:
            return None
    row.status, row.locked_until, row.attempts = model.SENDING, lease_until, row.attempts + 1
    return row


def deliver(channel: Channel, pk: int) -> str:
    """Claim, send outside the lock, record; the row's status afterwards ("locked": another worker has it)."""
    model = channel.model
    row = claim(channel, pk)
    if row is None:
        status = model._default_manager.filter(pk=pk).values_list("status", flat=True).first()
        return "locked" if status in (None, model.SENDING) else status
    try:
        outcome = channel.send(row)
    except Exception as exc:  # a bug or an unexpected failure of the client: try again later
        logger.exception("%s %s: sending failed", channel.name, pk)
        outcome = Outcome(ok=False, retryable=True, error=exc.__class__.__name__)
    return record(channel, row, outcome)


def record(channel: Channel, row: OutboxMessage, outcome: Outcome) -> str:
    model = channel.model
    now = timezone.now()
    values: dict[str, Any] = {"locked_until": None, **outcome.update}
    retry_at = None
    if outcome.ok:
        values.update(status=model.DONE, last_error="", **{model.DONE_AT: now})
    else:
        delivery_failed(channel.name)
        values["last_error"] = outcome.error[:255]
        if outcome.retryable and row.attempts < channel.max_attempts():
            values["status"] = model.PENDING
            retry_at = now + timedelta(seconds=outcome.retry_after or channel.retry_delay(row.attempts))
            values["enqueued_at"] = retry_at
        else:
            values["status"] = model.FAILED
        logger.warning("%s %s not delivered (attempt %s): %s", channel.name, row.pk, row.attempts, outcome.error)
    with transaction.atomic():
        # Only while the lease is ours: past it the sweep gave the row to another try, whose result counts.
        recorded = model._default_manager.filter(pk=row.pk, status=model.SENDING, locked_until=row.locked_until).update(
            **values
        )
        task = channel.task()
        if recorded and retry_at is not None and task.get_backend().supports_defer:
            pk = row.pk
            transaction.on_commit(lambda: task.using(run_after=retry_at).enqueue(pk))
    if not recorded:
        logger.warning("%s %s: the lease ran out during the try; the next try's result counts", channel.name, row.pk)
        return model._default_manager.filter(pk=row.pk).values_list("status", flat=True).first() or ""
    for name, value in values.items():
        setattr(row, name, value)
    return values["status"]


def requeue_stale(channel: Channel, *, limit: int = 1000) -> int:
    """Queue again the rows whose try was lost: an expired lease, or a pending task long overdue."""
    model = channel.model
    now = timezone.now()
    stale = model._default_manager.filter(
        Q(status=model.SENDING, locked_until__lt=now)
        | Q(status=model.PENDING, enqueued_at__lt=now - timedelta(seconds=settings.OUTBOX_STALE_AFTER))
    )
    ids = list(stale.values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    # A dead worker's row waits again (its attempt counted); the live claim condition keeps a late
    # worker's record from landing.
    model._default_manager.filter(pk__in=ids, status=model.SENDING, locked_until__lt=now).update(
        status=model.PENDING, locked_until=None, enqueued_at=now
    )
    model._default_manager.filter(pk__in=ids, status=model.PENDING).update(enqueued_at=now)
    task = channel.task()
    for pk in ids:
        task.enqueue(pk)
    logger.warning("%s: queued %s deliveries again after their task was lost", channel.name, len(ids))
    return len(ids)


def enqueue_on_commit(channel: Channel, pk: int, *, at=None) -> None:
    """Queue the delivery of a new row after the transaction commits; a row held until `at` (quiet hours) is
    queued to run then where the task backend can defer, else at once (its claim waits for `enqueued_at`,
    and the sweep queues it again after the hold)."""
    task = channel.task()

    def enqueue() -> None:
        if at is not None and at > timezone.now() and task.get_backend().supports_defer:
            task.using(run_after=at).enqueue(pk)
        else:
            task.enqueue(pk)

    transaction.on_commit(enqueue)
