"""Daily jobs: run once a day at a set time, by the scheduler process that `manage.py serve` starts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kabinet.core.models import JobRun


def next_run(now: datetime, at: time) -> datetime:
    """The next moment (local time) a daily job set for `at` should run."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)


def run_once_today(name: str, func, *args, **kwargs):
    """Run `func` unless a run of `name` is already recorded for today (the record and the work commit together)."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            JobRun.objects.create(name=name, run_on=today)
            return func(*args, **kwargs)
    except IntegrityError:
        return None
