"""Run the periodic jobs of `kabinet.web.jobs.registered()` at their time, and nothing else."""

from __future__ import annotations

import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from kabinet.web import jobs


class Command(BaseCommand):
    help = "Run the registered periodic jobs at their time (started by `manage.py serve`)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the jobs due now once, then stop.")

    def handle(self, *args, once: bool = False, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        if not once:
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
        registered = jobs.registered()
        now = timezone.now()
        due = jobs.first_due(registered, now)
        for job in registered:
            when = timezone.localtime(due[job.name])
            self.stdout.write(f"Scheduler: {job.name} ({job.schedule}), next at {when:%d.%m.%Y %H:%M}")
        self.stdout.flush()
        runner = f"{socket.gethostname()}:{os.getpid()}"
        while running:
            jobs.tick(registered, due, timezone.now(), runner, self.stderr.write)
            if once:
                break
            time.sleep(1)
