"""Run every process the portal needs — the WSGI server, the task worker and the scheduler of daily
jobs — and stop them together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve with gunicorn (WSGI) and run the background task worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--reload", action="store_true", help="Development: reload both on code changes.")

    def handle(self, *args, bind: str, workers: int, reload: bool, **options):
        python = sys.executable
        gunicorn = str(Path(python).with_name("gunicorn"))
        server = [gunicorn, "config.wsgi", "--bind", bind, "--workers", str(workers), "--access-logfile", "-"]
        worker = [python, "manage.py", "db_worker", "--interval", "1"]
        if reload:
            server.append("--reload")
            worker.append("--reload")
        scheduler = [python, "manage.py", "scheduler"]
        processes = [subprocess.Popen(server), subprocess.Popen(worker), subprocess.Popen(scheduler)]  # noqa: S603
        self.stdout.write(f"Kabinet is served on http://{bind}/ — press Ctrl-C to stop.")

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
