"""`make security`, second half: a short authenticated wapiti3 scan of a locally started portal.

Starts the portal (gunicorn, DEBUG=0, a throw-away SQLite database with the demo data) on a free
loopback port, signs the demo administrator in, runs wapiti with the modules of issue 13 and fails
when a finding (or an internal error wapiti provoked) is not triaged in security/wapiti-triage.toml.

    .venv/bin/python security/wapiti_scan.py [--wapiti .venv-security/bin/wapiti] [--max-scan-time 150]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = "xss,sql,exec,file,redirect,csrf,http_headers,cookieflags"
DEMO_PHONE = "+79000000001"
# Forms that would end the scan's own session or send real messages: not attacked.
EXCLUDE = ["/logout/", "/profile/phone/*", "/register/resend/"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def session_cookie(env: dict) -> str:
    """A signed-in session of the demo administrator, created the way Django's test client does."""
    code = (
        "from django.test import Client;"
        "from kabinet.accounts.models import User;"
        f"c = Client(); c.force_login(User.objects.get(phone='{DEMO_PHONE}'));"
        "print(c.cookies['sessionid'].value)"
    )
    return manage(env, "shell", "-c", code, capture=True).strip().splitlines()[-1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
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


def findings(report: dict) -> list[dict]:
    found = []
    for section in ("vulnerabilities", "anomalies"):
        for category, items in (report.get(section) or {}).items():
            for item in items:
                found.append(
                    {
                        "category": category,
                        "path": item.get("path", ""),
                        "method": item.get("method", ""),
                        "parameter": item.get("parameter", ""),
                        "info": item.get("info", ""),
                    }
                )
    return found


def triaged(finding: dict, rules: list[dict]) -> dict | None:
    for rule in rules:
        if rule["category"] != finding["category"]:
            continue
        if not re.search(rule.get("path", ".*"), finding["path"]):
            continue
        if not re.search(rule.get("info", ".*"), finding["info"]):
            continue
        return rule
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wapiti", default=str(ROOT / ".venv-security" / "bin" / "wapiti"))
    # A short scan: the crawl stops after --max-scan-time, each module after --max-attack-time.
    parser.add_argument("--max-scan-time", type=int, default=45)
    parser.add_argument("--max-attack-time", type=int, default=12)
    args = parser.parse_args()

    work = ROOT / "var" / "security-scan"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KABINET_VAR_DIR=str(work),
        DEBUG="0",
        # Nothing leaves the machine: messages are queued and never sent (no task worker runs).
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    print("security: preparing a throw-away database with the demo data …", flush=True)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo")
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # `make security` ran `make assets` already
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    cookie = session_cookie(env)

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
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    report_path = work / "wapiti.json"
    try:
        wait_until_up(url, server)
        command = [
            str(Path(args.wapiti).resolve()),
            "-u",
            url + "/",
            "--scope",
            "folder",
            "-m",
            MODULES,
            "-C",
            f"sessionid={cookie}",
            "--max-scan-time",
            str(args.max_scan_time),
            "--max-attack-time",
            str(args.max_attack_time),
            "--max-links-per-page",
            "10",
            "--max-files-per-dir",
            "10",
            "--timeout",
            "20",
            "-d",
            "3",
            "--flush-session",
            "--store-session",
            str(work / "session"),
            "-f",
            "json",
            "-o",
            str(report_path),
            "-v",
            "1",
        ]
        for pattern in EXCLUDE:
            command += ["-x", url + pattern]
        print("security: wapiti", " ".join(command[1:]), flush=True)
        started = time.monotonic()
        subprocess.run(  # noqa: S603 (wapiti from .venv-security)
            command,
            cwd=work,
            check=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            timeout=args.max_scan_time + 8 * args.max_attack_time + 300,
        )
        print(f"security: the scan took {time.monotonic() - started:.0f} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    report = json.loads(report_path.read_text(encoding="utf-8"))
    rules = tomllib.loads((ROOT / "security" / "wapiti-triage.toml").read_text(encoding="utf-8")).get("triaged", [])
    crawled = report.get("infos", {}).get("crawled_pages_nbr", 0)
    open_findings = []
    for finding in findings(report):
        rule = triaged(finding, rules)
        where = f"{finding['category']}: {finding['method']} {finding['path']} {finding['parameter']}".strip()
        if rule:
            print(f"  triaged  {where} — {rule['reason']}")
        else:
            open_findings.append(finding)
            print(f"  FINDING  {where}\n           {finding['info']}")
    print(f"security: {crawled} pages crawled, {len(open_findings)} untriaged finding(s); report: {report_path}")
    return 1 if open_findings else 0


if __name__ == "__main__":
    sys.exit(main())
