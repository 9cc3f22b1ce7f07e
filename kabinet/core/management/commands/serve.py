"""Run every process the portal needs — the WSGI server, the task worker and the scheduler of daily
jobs — and stop them together. Unless the portal's address is configured, its absolute links (e-mails, SMS,
the calendar subscription) name the one it is served on (`kabinet.core.links.serve_links_at`)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kabinet.core.links import serve_links_at


class Command(BaseCommand):
    help = "Serve with gunicorn (WSGI) and run a task worker per queue and the scheduler; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--reload", action="store_true", help="Development: reload both on code changes.")

    def handle(self, *args, bind: str, workers: int, reload: bool, **options):
        python = sys.executable
        gunicorn = str(Path(python).with_name("gunicorn"))
        server = [gunicorn, "config.wsgi", "--bind", bind, "--workers", str(workers), "--access-logfile", "-"]
        # One worker per queue: text extraction (slow by nature, bounded by its limits) never holds up
        # the SMS codes, e-mails and webhooks of "default".
        task_workers = [
            [python, "manage.py", "db_worker", "--interval", "1", "--queue-name", q] for q in settings.TASK_QUEUES
        ]
        if reload:
            server.append("--reload")
            for worker in task_workers:
                worker.append("--reload")
        scheduler = [python, "manage.py", "scheduler"]
        links = serve_links_at(bind)  # the processes inherit the address of the portal's links
        processes = [subprocess.Popen(command) for command in (server, *task_workers, scheduler)]  # noqa: S603
        self.stdout.write(f"Kabinet is served on http://{bind}/ (links: {links}) — press Ctrl-C to stop.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Either process ending (or Ctrl-C) stops the other: nothing is left running.
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.2)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        codes = [p.returncode for p in processes]
        if not stopping and any(codes):
            raise SystemExit(f"A process stopped unexpectedly (exit codes {codes}).")
