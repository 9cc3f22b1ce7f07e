"""`make run` serves on HOST:PORT through `manage.py serve --bind`; unless PORTAL_URL is configured, the
processes it starts inherit PORTAL_URL from that address, so the absolute links (the calendar
subscription, e-mails) name the address the portal really runs on (before: always http://127.0.0.1:8000)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.core.management import call_command

from kabinet.core import links
from kabinet.core.management.commands import serve

ROOT = Path(__file__).resolve().parents[3]


def test_the_served_address():
    assert links.served_address("127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert links.served_address("0.0.0.0:9000") == "http://localhost:9000"
    assert links.served_address("lk.example.ru:80") == "http://lk.example.ru:80"


def test_the_address_comes_from_the_bind_unless_configured(monkeypatch):
    monkeypatch.delenv("PORTAL_URL", raising=False)
    monkeypatch.delenv("PORTAL_URL_FILE", raising=False)
    assert links.serve_links_at("127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert os.environ["PORTAL_URL"] == "http://127.0.0.1:8765"
    monkeypatch.setenv("PORTAL_URL", "https://lk.example.ru")
    assert links.serve_links_at("127.0.0.1:8765") == "https://lk.example.ru"
    assert os.environ["PORTAL_URL"] == "https://lk.example.ru"


def test_make_run_binds_host_and_port_through_serve():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") :].split("\n\n", 1)[0]
    assert "manage.py serve --bind $(HOST):$(PORT)" in run


def test_every_process_serve_starts_gets_the_address(monkeypatch):
    monkeypatch.delenv("PORTAL_URL", raising=False)
    monkeypatch.delenv("PORTAL_URL_FILE", raising=False)
    started = []

    def popen(command, env=None):
        started.append((command, dict(env if env is not None else os.environ)))
        return mock.Mock(poll=mock.Mock(return_value=0), returncode=0)

    # (The command's Ctrl-C handlers are not installed into the test process.)
    with mock.patch.object(serve.subprocess, "Popen", popen), mock.patch.object(serve.signal, "signal"):
        call_command("serve", "--bind", "127.0.0.1:8765", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert len(started) >= 3  # the server, a worker per queue, the scheduler
    assert {env.get("PORTAL_URL") for _command, env in started} == {"http://127.0.0.1:8765"}


def test_the_calendar_subscription_address_follows_the_served_address():
    """A process started after `serve_links_at` builds the subscription address under the served address."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORTAL_URL", "PORTAL_URL_FILE")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = (
        "from kabinet.core.links import serve_links_at; serve_links_at('127.0.0.1:8765'); "
        "import django; django.setup(); "
        "from kabinet.contracts.calendar import feed_url; print(feed_url('t0k'))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert out.startswith("http://127.0.0.1:8765/") and out.endswith("t0k.ics")
