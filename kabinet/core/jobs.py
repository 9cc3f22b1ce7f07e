"""Periodic jobs' bookkeeping: the daily marker a job's work commits with (`run_once_today`) and the
scheduler's per-slot lock and record (`slot_claim`, `slot_finish`, `scheduler_runs_prune`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kabinet.core.models import JobRun, SchedulerRun


def next_run(now: datetime, at: time) -> datetime:
    """The next moment (local time) a daily job set for `at` should run."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)


def last_run(now: datetime, at: time) -> datetime:
    """The latest moment (local time) at or before `now` a daily job set for `at` was due."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate <= local else candidate - timedelta(days=1)


def run_once_today(name: str, func, *args, **kwargs):
    """Run `func` unless a run of `name` is already recorded for today (the record and the work commit together)."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            JobRun.objects.create(name=name, run_on=today)
            return func(*args, **kwargs)
    except IntegrityError:
        return None


def slot_claim(name: str, slot: datetime, runner: str, now: datetime | None = None) -> SchedulerRun | None:
    """Take `slot` of job `name` for this scheduler, or None when another scheduler already took it."""
    try:
        with transaction.atomic():
            return SchedulerRun.objects.create(
                name=name, slot=slot, started_at=now or timezone.now(), runner=runner[:128]
            )
    except IntegrityError:
        return None


def slot_finish(run: SchedulerRun, error: str = "", now: datetime | None = None) -> None:
    run.finished_at = now or timezone.now()
    run.outcome = SchedulerRun.FAILED if error else SchedulerRun.OK
    run.error = error[:255]
    SchedulerRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at, outcome=run.outcome, error=run.error)


def scheduler_runs_prune(days: int, now: datetime | None = None) -> int:
    """Forget the scheduler's records older than `days` days (an interval job writes one a minute)."""
    before = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = SchedulerRun.objects.filter(slot__lt=before).delete()
    return deleted
