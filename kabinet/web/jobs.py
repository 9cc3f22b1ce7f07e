"""The register of periodic jobs: every job the scheduler (`manage.py scheduler`, started by `serve`)
runs, by name, with what it calls and when. A new periodic job is one more entry in `registered()`;
the scheduler runs exactly these. See docs/architecture.md (the write path).

Each run belongs to a slot — the moment it was due (an interval's boundary, a day's set time) — and is
recorded in `SchedulerRun` before the job starts: the record is the lock, so two scheduler processes (two
machines, or a restart) never run one slot twice, and the back office's «Служебное» shows every run with
its outcome. A daily job whose slot of today has no record yet (the scheduler was down at its time) runs
as the scheduler starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from kabinet.accounts.services import sms_requeue_stale
from kabinet.api.webhooks import requeue_stale as webhooks_requeue_stale
from kabinet.contracts.tasks import debt_summary_rebuild, payment_reminders
from kabinet.core.jobs import last_run, next_run, scheduler_runs_prune, slot_claim, slot_finish
from kabinet.core.models import SchedulerRun
from kabinet.documents.closing import closing_documents_notify
from kabinet.documents.services import documents_extraction_requeue_stale
from kabinet.documents.tasks import purge_held_uploads
from kabinet.notifications.telegram import telegram_requeue_stale
from kabinet.signatures.services import signature_requests_expire


@dataclass(frozen=True)
class Every:
    """Every `seconds`, the first time as the scheduler starts."""

    seconds: int

    def first(self, now: datetime) -> datetime:
        return now

    def slot(self, now: datetime) -> datetime:
        """The interval's boundary at or before `now` (counted from the epoch, the same in every process)."""
        return datetime.fromtimestamp(now.timestamp() // self.seconds * self.seconds, tz=UTC)

    def after(self, now: datetime) -> datetime:
        return self.slot(now) + timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class DailyAt:
    """Once a day at `at`, local time."""

    at: time

    def first(self, now: datetime) -> datetime:
        return next_run(now, self.at)

    def slot(self, now: datetime) -> datetime:
        return last_run(now, self.at)

    def after(self, now: datetime) -> datetime:
        return next_run(now, self.at)

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M}"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    schedule: Every | DailyAt
    description: str


def registered() -> list[Job]:
    """The periodic jobs, read from the settings when the scheduler starts."""
    return [
        Job(
            "payment_reminders",
            payment_reminders.enqueue,
            DailyAt(settings.PAYMENTS_DUE_AT),
            "queue the payment reminders of the day: before, on and after the due date on each creditor's days "
            "(«Напоминания об оплате»); a repeat sends nothing twice",
        ),
        Job(
            "held_uploads_purge",
            purge_held_uploads.enqueue,
            Every(3600),
            "queue the removal of files kept after form errors nobody came back for (HELD_UPLOAD_TTL_HOURS)",
        ),
        Job(
            "sms_requeue_stale",
            sms_requeue_stale,
            Every(settings.OUTBOX_SWEEP_INTERVAL),
            "queue again the SMS deliveries whose task was lost (a worker killed mid-send)",
        ),
        Job(
            "telegram_requeue_stale",
            telegram_requeue_stale,
            Every(settings.OUTBOX_SWEEP_INTERVAL),
            "queue again the Telegram deliveries whose task was lost, and the notices held through quiet hours",
        ),
        Job(
            "webhooks_requeue_stale",
            webhooks_requeue_stale,
            Every(settings.OUTBOX_SWEEP_INTERVAL),
            "queue again the webhook deliveries whose task was lost",
        ),
        Job(
            "scheduler_runs_prune",
            lambda: scheduler_runs_prune(settings.SCHEDULER_RUNS_KEEP_DAYS),
            DailyAt(time(3, 30)),
            "forget the scheduler's run records older than SCHEDULER_RUNS_KEEP_DAYS days",
        ),
        Job(
            "extraction_requeue_stale",
            documents_extraction_requeue_stale,
            Every(settings.OUTBOX_SWEEP_INTERVAL),
            "queue once more a document whose text extraction was lost (a worker killed mid-run), then mark it "
            "«текст не извлечён» after EXTRACTION_ATTEMPTS runs",
        ),
        Job(
            "signature_requests_expire",
            signature_requests_expire,
            Every(3600),
            "mark «просрочен» the documents still awaiting signatures past their deadline",
        ),
        Job(
            "debt_summary_rebuild",
            debt_summary_rebuild.enqueue,
            DailyAt(time(0, 5)),
            "queue the rebuild of every organization's overdue debt summary for the new day (lines turn overdue "
            "at midnight; until it runs, or an organization's first ledger write, the main page computes the "
            "figure from the ledger)",
        ),
        Job(
            "closing_documents_notice",
            closing_documents_notify,
            DailyAt(settings.CLOSING_DOCUMENTS_NOTICE_AT),
            "monthly: from CLOSING_DOCUMENTS_NOTICE_DAY, tell each organization once per month that the previous "
            "month's closing documents are ready (a marker per organization and month)",
        ),
    ]


def first_due(registered: list[Job], now: datetime) -> dict[str, datetime]:
    """When each job is first due as a scheduler starts: interval jobs at once; a daily job at once when
    today's slot has not run (the scheduler was down at its time), else at its next time."""
    due = {job.name: job.schedule.first(now) for job in registered}
    daily = {job.name: job.schedule.slot(now) for job in registered if isinstance(job.schedule, DailyAt)}
    if daily:
        try:
            taken = SchedulerRun.objects.filter(name__in=daily, slot__in=set(daily.values()))
            ran = set(taken.values_list("name", "slot"))
        except DatabaseError:  # the database is not up yet: the daily jobs wait for their next time
            close_old_connections()
            return due
        for name, slot in daily.items():
            if (name, slot) not in ran:
                due[name] = now
    return due


def tick(
    registered: list[Job], due: dict[str, datetime], now: datetime, runner: str, report: Callable[[str], object]
) -> list[str]:
    """Run the jobs due at `now` whose slot no other scheduler took; advance `due`. The names run."""
    ran = []
    for job in registered:
        if now < due[job.name]:
            continue
        due[job.name] = job.schedule.after(now)
        try:
            run = slot_claim(job.name, job.schedule.slot(now), runner, now)
        except DatabaseError as exc:  # the database is restarting: the job's next time tries again
            report(f"Scheduler: {job.name} failed: {exc.__class__.__name__}")
            close_old_connections()
            continue
        if run is None:
            continue  # another scheduler runs this slot
        error = ""
        try:
            job.run()
        except DatabaseError as exc:  # the database is restarting or failing over
            error = exc.__class__.__name__
            close_old_connections()
        except Exception as exc:  # the queue is down: the job's next time tries again
            error = exc.__class__.__name__
        if error:
            report(f"Scheduler: {job.name} failed: {error}")
        try:
            slot_finish(run, error)
        except DatabaseError:
            close_old_connections()
        ran.append(job.name)
    return ran
