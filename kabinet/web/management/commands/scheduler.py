"""Start the daily jobs at their time: the payment reminders (PAYMENTS_DUE_AT, days ahead PAYMENTS_DUE_DAYS);
every OUTBOX_SWEEP_INTERVAL seconds queue again the SMS and webhook deliveries whose task was lost; every
hour remove the files kept after form errors that nobody came back for (HELD_UPLOAD_TTL_HOURS)."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from kabinet.accounts.services import sms_requeue_stale
from kabinet.api.webhooks import requeue_stale as webhooks_requeue_stale
from kabinet.contracts.tasks import payments_due
from kabinet.core.jobs import next_run
from kabinet.documents.tasks import purge_held_uploads


class Command(BaseCommand):
    help = "Queue the daily jobs at their time of day (started by `manage.py serve`)."

    def handle(self, *args, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        due = next_run(timezone.now(), settings.PAYMENTS_DUE_AT)
        self.stdout.write(f"Scheduler: payment reminders next at {due:%d.%m.%Y %H:%M}", ending="\n")
        self.stdout.flush()
        sweep_at = time.monotonic()
        purge_at = time.monotonic()
        while running:
            if time.monotonic() >= purge_at:
                purge_at = time.monotonic() + 3600
                try:
                    purge_held_uploads.enqueue()
                except Exception as exc:  # the queue is down: the next hour tries again
                    self.stderr.write(f"Scheduler: held-upload purge not queued: {exc.__class__.__name__}")
            if timezone.now() >= due:
                payments_due.enqueue(settings.PAYMENTS_DUE_DAYS)
                due = next_run(timezone.now(), settings.PAYMENTS_DUE_AT)
            if time.monotonic() >= sweep_at:
                sweep_at = time.monotonic() + settings.OUTBOX_SWEEP_INTERVAL
                try:
                    sms_requeue_stale()
                    webhooks_requeue_stale()
                except DatabaseError as exc:
                    # The database is restarting or failing over: try again at the next sweep.
                    self.stderr.write(f"Scheduler: outbox sweep failed: {exc.__class__.__name__}")
                    close_old_connections()
            time.sleep(1)
