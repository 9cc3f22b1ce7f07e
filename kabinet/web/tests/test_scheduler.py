"""The scheduler runs exactly the jobs of the register (`kabinet.web.jobs`), each at its time."""

from __future__ import annotations

import ast
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from kabinet.core.jobs import scheduler_runs_prune
from kabinet.core.models import SchedulerRun
from kabinet.web import jobs
from kabinet.web.management.commands import scheduler


def test_the_register_names_every_periodic_job_once_with_its_time():
    registered = jobs.registered()
    assert [job.name for job in registered] == [
        "payment_reminders",
        "held_uploads_purge",
        "sms_requeue_stale",
        "telegram_requeue_stale",
        "webhooks_requeue_stale",
        "scheduler_runs_prune",
        "extraction_requeue_stale",
        "signature_requests_expire",
        "debt_summary_rebuild",
        "closing_documents_notice",
    ]
    assert all(callable(job.run) and job.description and str(job.schedule) for job in registered)


def run_once(monkeypatch, registered):
    monkeypatch.setattr(jobs, "registered", lambda: registered)
    out, err = io.StringIO(), io.StringIO()
    call_command("scheduler", "--once", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_scheduler_runs_the_registered_jobs_due_now_and_nothing_else(monkeypatch):
    ran = []
    registered = [
        jobs.Job("a", lambda: ran.append("a"), jobs.Every(60), "first"),
        jobs.Job("b", lambda: ran.append("b"), jobs.Every(3600), "second"),
        # Its slot of today already ran: not due again until tomorrow.
        jobs.Job("c", lambda: ran.append("c"), jobs.DailyAt(time(0, 0)), "daily"),
    ]
    SchedulerRun.objects.create(
        name="c", slot=jobs.DailyAt(time(0, 0)).slot(timezone.now()), started_at=timezone.now(), outcome="ok"
    )
    out, _err = run_once(monkeypatch, registered)
    assert ran == ["a", "b"]
    assert "a (every 60 s)" in out and "c (daily at 00:00)" in out


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    ran = []

    def broken():
        raise ConnectionError("the queue is down")

    registered = [
        jobs.Job("broken", broken, jobs.Every(60), "fails"),
        jobs.Job("ok", lambda: ran.append("ok"), jobs.Every(60), "runs"),
    ]
    _out, err = run_once(monkeypatch, registered)
    assert ran == ["ok"] and "broken failed: ConnectionError" in err
    outcomes = dict(SchedulerRun.objects.values_list("name", "outcome"))
    assert outcomes == {"broken": "failed", "ok": "ok"}
    assert SchedulerRun.objects.get(name="broken").error == "ConnectionError"


def test_the_scheduler_calls_no_job_but_through_the_register():
    """The command imports the register only: a job wired into the loop by hand would bypass it."""
    tree = ast.parse(Path(scheduler.__file__).read_text())
    ours = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kabinet")
    }
    assert ours == {"kabinet.web"}


@pytest.mark.django_db
def test_the_real_jobs_due_at_start_run_once(monkeypatch):
    """With the real register: the interval jobs run as the scheduler starts, the daily one waits."""
    ran: list[str] = []

    def recorder(name: str):
        return lambda: ran.append(name)

    registered = [jobs.Job(job.name, recorder(job.name), job.schedule, job.description) for job in jobs.registered()]
    run_once(monkeypatch, registered)
    # A first start: today's slots of the daily jobs have not run yet, so they run too (catching up).
    assert sorted(ran) == sorted(job.name for job in registered)
    # A second scheduler (another machine) started in the same slots finds every one taken.
    ran.clear()
    run_once(monkeypatch, registered)
    assert ran == []


@pytest.mark.django_db
def test_a_month_with_two_schedulers_runs_every_job_once_in_each_of_its_slots(settings):
    """Two scheduler processes tick over a simulated month (every 10 minutes, in turn, with drifting
    clocks): every job runs exactly once per slot, when due, and each run is recorded as done."""
    settings.OUTBOX_SWEEP_INTERVAL = 6 * 3600  # sweeps every 6 hours keep the month at ~1,100 runs
    step = timedelta(minutes=10)
    settings.TIME_ZONE = "Europe/Moscow"
    calls: list[tuple[str, datetime]] = []
    clock: list[datetime] = []

    def recorder(name: str):
        return lambda: calls.append((name, clock[-1]))

    registered = [jobs.Job(job.name, recorder(job.name), job.schedule, job.description) for job in jobs.registered()]
    start = datetime(2026, 11, 1, 0, 2, tzinfo=UTC)
    end = start + timedelta(days=30)
    dues = [jobs.first_due(registered, start), jobs.first_due(registered, start)]
    now = start
    while now < end:
        for number, due in enumerate(dues):
            clock.append(now + timedelta(seconds=7 * number))  # the second machine's clock runs 7 s late
            jobs.tick(registered, due, clock[-1], f"scheduler-{number}", lambda line: None)
        now += step

    for job in registered:
        times = [at for name, at in calls if name == job.name]
        slots = [job.schedule.slot(at) for at in times]
        assert len(slots) == len(set(slots)), job.name  # never twice in one slot
        if isinstance(job.schedule, jobs.Every):
            expected = {
                jobs.Every(job.schedule.seconds).slot(start + timedelta(seconds=job.schedule.seconds * k))
                for k in range(30 * 86400 // job.schedule.seconds)
            }
            assert set(slots) == expected, job.name
            # Run within one tick of the boundary.
            assert all(timedelta(0) <= at - slot < step + timedelta(seconds=8) for at, slot in zip(times, slots))
        else:
            # Started at 03:02 Moscow time: yesterday's slot had not run, so it runs at once; then 30 days.
            assert len(slots) == 31, job.name
            assert times[0] == start and slots[0] == job.schedule.slot(start)
            assert all(timezone.localtime(slot).time() == job.schedule.at for slot in slots), job.name
    runs = SchedulerRun.objects.values_list("name", "slot", "outcome")
    assert len(calls) == runs.count() and {outcome for *_, outcome in runs} == {"ok"}


@pytest.mark.django_db
def test_old_run_records_are_pruned():
    now = timezone.now()
    for days in (40, 31, 29, 1):
        SchedulerRun.objects.create(name=f"job-{days}", slot=now - timedelta(days=days), started_at=now, outcome="ok")
    assert scheduler_runs_prune(30, now) == 2
    assert sorted(SchedulerRun.objects.values_list("name", flat=True)) == ["job-1", "job-29"]
