from __future__ import annotations

from django_tasks import task

from kabinet.contracts import ledger
from kabinet.contracts.services import payment_reminders_send, payments_due_notify
from kabinet.core.jobs import run_once_today


@task()
def payments_due(days: int = 3):
    return run_once_today("payments_due", payments_due_notify, days=days)


@task()
def payment_reminders() -> int:
    """Today's payment reminders (idempotent: the reminders' unique key, not a daily marker, keeps a second run
    from sending anything again)."""
    return payment_reminders_send()


@task()
def debt_summary_rebuild():
    """Every organization's overdue debt summary of today (lines turned overdue at midnight)."""
    return ledger.rebuild_debt_summaries()
