"""OUTBOX_LEASE must outlast a send: a shorter lease would hand a row still being sent to a second worker."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def setup(**env) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k not in {"OUTBOX_LEASE", "SMS_TIMEOUT", "WEBHOOK_TIMEOUT"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_lease_shorter_than_two_send_timeouts_is_refused_at_start():
    refused = setup(OUTBOX_LEASE="15", SMS_TIMEOUT="10")
    assert refused.returncode != 0 and "OUTBOX_LEASE" in refused.stderr
    assert setup(OUTBOX_LEASE="8", SMS_TIMEOUT="3", WEBHOOK_TIMEOUT="3", TELEGRAM_TIMEOUT="3").returncode == 0
    telegram = setup(OUTBOX_LEASE="15", TELEGRAM_TIMEOUT="10", SMS_TIMEOUT="3", WEBHOOK_TIMEOUT="3")
    assert telegram.returncode != 0 and "TELEGRAM_TIMEOUT" in telegram.stderr
    assert setup().returncode == 0  # the defaults: 60 s against 10 s timeouts
