"""Start the daily jobs at their time: the payment reminders (PAYMENTS_DUE_AT, days ahead PAYMENTS_DUE_DAYS)."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from kabinet.core.jobs import next_run


class Command(BaseCommand):
    help = "Queue the daily jobs at their time of day (started by `manage.py serve`)."

    def handle(self, *args, **options):
        from kabinet.contracts.tasks import payments_due

        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        due = next_run(timezone.now(), settings.PAYMENTS_DUE_AT)
        self.stdout.write(f"Scheduler: payment reminders next at {due:%d.%m.%Y %H:%M}")
        while running:
            if timezone.now() >= due:
                payments_due.enqueue(settings.PAYMENTS_DUE_DAYS)
                due = next_run(timezone.now(), settings.PAYMENTS_DUE_AT)
            time.sleep(1)
