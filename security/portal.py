"""A throw-away portal for the scanners of `make security` (wapiti_scan.py, api_fuzz.py).

`prepare()` makes a fresh database with the demo data — SQLite under var/<name>/, or the PostgreSQL
database SECURITY_DATABASE_URL names (dropped and created again) — for a portal with DEBUG=0 whose
messages are never sent (no task worker runs and e-mail goes to memory), `identities()` signs the scan's people in
or issues its API token (security/identities.py), `serving()` runs gunicorn on a free loopback port
with an access log the scanners count the answers from.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The access log: one line a request, `<status> <method> <path>` (gunicorn's --access-logformat).
ACCESS_FORMAT = "%(s)s %(m)s %(U)s"
ACCESS_LINE = re.compile(r"^(\d{3}) ([A-Z]+) (\S*)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True
    )


def _recreate_postgres(url: str) -> None:
    import psycopg  # Django's PostgreSQL driver, in requirements.txt

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or not re.fullmatch(r"\w+", name):
        raise SystemExit("SECURITY_DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    maintenance = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(name: str) -> tuple[Path, dict]:
    """var/<name>/ emptied, and the environment of a portal with a fresh demo database."""
    work = ROOT / "var" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KABINET_VAR_DIR=str(work),
        DEBUG="0",
        # Nothing leaves the machine: messages are queued and never sent (no task worker runs).
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SMS_BACKEND="kabinet.messaging.sms.ConsoleBackend",
        PYTHONUNBUFFERED="1",
    )
    database = os.environ.get("SECURITY_DATABASE_URL", "")
    if database:
        _recreate_postgres(database)
        env["DATABASE_URL"] = database
    where = database.rsplit("/", 1)[-1] + " (PostgreSQL)" if database else f"var/{name}/ (SQLite)"
    print(f"security: preparing a throw-away database with the demo data in {where} …", flush=True)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo")
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # `make security` ran `make assets` already
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return work, env


def identities(env: dict, what: str) -> dict:
    """security/identities.py `sessions` or `token`, run against the prepared database."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(ROOT / "security" / "identities.py"), what],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the portal did not start (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the portal did not answer in time")


@contextlib.contextmanager
def serving(work: Path, env: dict, workers: int = 2) -> Iterator[str]:
    """gunicorn on a free loopback port for the duration of the block; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (gunicorn from our venv)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "60",
            "--access-logfile",
            str(work / "access.log"),
            "--access-logformat",
            ACCESS_FORMAT,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def access_log(work: Path) -> list[tuple[int, str, str]]:
    """(status, method, path) of every request the portal answered, in order."""
    rows = []
    path = work / "access.log"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []:
        match = ACCESS_LINE.match(line.strip())
        if match:
            rows.append((int(match[1]), match[2], match[3]))
    return rows


def still_signed_in(url: str, cookies: dict[str, str], landing: str) -> bool:
    """The scan's session still opens its landing page (the scan did not end it or get logged out)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = urllib.request.Request(url + landing, headers={"Cookie": cookie})  # noqa: S310 (loopback)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=20) as response:
            return response.status == 200
    except OSError:
        return False
