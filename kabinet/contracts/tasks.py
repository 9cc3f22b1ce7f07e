from __future__ import annotations

from django_tasks import task

from kabinet.contracts.services import payments_due_notify
from kabinet.core.jobs import run_once_today


@task()
def payments_due(days: int = 3):
    return run_once_today("payments_due", payments_due_notify, days=days)
