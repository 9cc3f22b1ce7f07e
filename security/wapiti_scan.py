"""`make security`, second part: short authenticated wapiti3 scans of a locally started portal.

Starts the portal (gunicorn, DEBUG=0, a throw-away SQLite database with the demo data; security/portal.py)
on a free loopback port and scans it twice with the modules below:

1. the client side (`/`, the back office excluded) signed in as the demo company administrator;
2. the back office (`/admin/`) signed in as a staff member with every «view» right and nothing else —
   the sign-in a staff member makes (password, then the code by SMS), security/identities.py.

Prints what each scan crawled (wapiti's count and the portal's own access log), checks that each
session survived its scan (a scan that lost its session would quietly go on as a stranger), and fails
when a finding, or an internal error wapiti provoked, is not triaged in security/wapiti-triage.toml.

    .venv/bin/python security/wapiti_scan.py [--wapiti .venv-security/bin/wapiti] [--max-scan-time 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import portal

ROOT = portal.ROOT
MODULES = "xss,sql,exec,file,redirect,csrf,http_headers,cookieflags"
# Forms that would end the scan's own session, lock it on the consent page or send real messages:
# not attacked.
CLIENT_EXCLUDE = [
    "/logout/",
    "/profile/phone/*",
    "/profile/sessions/*",
    "/profile/data/consents/*",
    "/register/resend/",
    "/admin/*",  # the second scan's, as staff
]
STAFF_EXCLUDE = ["/admin/logout/"]


@dataclass
class Scan:
    name: str
    who: str  # the key of security/identities.py's `sessions`
    start: str
    exclude: list[str]
    crawl_seconds: int  # wapiti's --max-scan-time unless given on the command line


SCANS = [
    Scan("client side", "client", "/", CLIENT_EXCLUDE, 45),
    # The back office's pages are heavier; the crawl starts from every list the user may view.
    Scan("back office", "staff", "/admin/", STAFF_EXCLUDE, 60),
]


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


def crawled(report: dict) -> list[tuple[str, str, int | None]]:
    """(method, path, status) of the URLs and forms wapiti found (`-dr 1` puts them in the report); the
    status is None for what it found but had no time left to fetch."""
    rows = []
    for page in report.get("infos", {}).get("crawled_pages") or []:
        request = page.get("request") or {}
        path = re.sub(r"^https?://[^/]+", "", request.get("url", "")) or "/"
        rows.append((request.get("method", "GET"), path, request.get("status_code")))
    return rows


def cookie_file(folder: Path, cookies: dict[str, str]) -> Path:
    """wapiti's JSON cookie file (wapitiCore/net/jsoncookie.py) for the loopback portal. A cookie jar, not
    `-C` (a fixed Cookie header): with `-C` the jar's cookies are never sent, the CSRF cookie included,
    and every form wapiti posts is refused by the CSRF check before it reaches the code under test."""
    path = folder / "cookies.json"
    jar = {
        name: {"value": value, "expires": None, "secure": False, "port": None, "version": 0}
        for name, value in cookies.items()
    }
    path.write_text(json.dumps({"127.0.0.1": {"/": jar}}), encoding="utf-8")
    return path


def run_scan(scan: Scan, url: str, person: dict, work: Path, args: argparse.Namespace) -> Path:
    folder = work / scan.who
    folder.mkdir()
    report_path = folder / "wapiti.json"
    command = [
        str(Path(args.wapiti).resolve()),
        "-u",
        url + scan.start,
        "--scope",
        "folder",
        "-m",
        MODULES,
        "-c",
        str(cookie_file(folder, person["cookies"])),
        "--max-scan-time",
        str(args.max_scan_time or scan.crawl_seconds),
        "--max-attack-time",
        str(args.max_attack_time),
        "--max-links-per-page",
        "10",
        "--max-files-per-dir",
        "10",
        "--tasks",
        "8",
        "--timeout",
        "20",
        "-d",
        "3",
        "--flush-session",
        "--store-session",
        str(folder / "session"),
        "--no-bugreport",
        "-dr",
        "1",
        "-f",
        "json",
        "-o",
        str(report_path),
        "-v",
        "1",
    ]
    for pattern in scan.exclude:
        command += ["-x", url + pattern]
    shown = " ".join(command[1:])
    for start in person.get("start_urls", []):
        command += ["-s", url + start]
    if person.get("start_urls"):
        shown += f" -s … ({len(person['start_urls'])} start URLs: {scan.start} lists the user may view)"
    print(f"security: wapiti ({scan.name}):", shown, flush=True)
    subprocess.run(  # noqa: S603 (wapiti from .venv-security)
        command,
        cwd=folder,
        check=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout=(args.max_scan_time or scan.crawl_seconds) + 8 * args.max_attack_time + 300,
    )
    return report_path


def summary(
    scan: Scan, person: dict, report: dict, served: list[tuple[int, str, str]], seconds: float, alive: bool
) -> str:
    """What wapiti found and fetched, and what the portal answered during the scan (its access log)."""
    found = crawled(report)
    fetched = [row for row in found if row[2] is not None]
    statuses = Counter(status // 100 * 100 for status, _method, _path in served)
    opened = {path for status, method, path in served if method == "GET" and status == 200}
    line = (
        f"security: {scan.name}: {len(fetched)} pages crawled of {len(found)} URLs and forms found, "
        f"{len(served)} requests answered ({', '.join(f'{n}×{s // 100}xx' for s, n in sorted(statuses.items()))}), "
        f"{len(opened)} distinct pages opened with 200"
    )
    if person.get("start_urls"):
        lists = {url for url in person["start_urls"] if re.fullmatch(r"/admin/\w+/\w+/", url)}
        line += f" ({len(lists & opened)} of the {len(lists)} back-office lists the user may view)"
    return line + f", {seconds:.0f} s; session {'still signed in' if alive else 'LOST'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wapiti", default=str(ROOT / ".venv-security" / "bin" / "wapiti"))
    # Short scans: each scan's crawl stops after --max-scan-time (45 s for the client side, 60 s for the
    # back office unless given), each attack module after --max-attack-time.
    parser.add_argument("--max-scan-time", type=int, default=None)
    parser.add_argument("--max-attack-time", type=int, default=12)
    args = parser.parse_args()

    started = time.monotonic()
    work, env = portal.prepare("security-scan")
    people = portal.identities(env, "sessions")
    print(f"security: the portal's database is ready in {time.monotonic() - started:.0f} s", flush=True)
    for who, person in people.items():
        how = "password + SMS code" if person["second_factor"] else "password"
        print(f"security: signed in as {who} {person['phone']} ({how}), landing on {person['landing']}", flush=True)

    reports, lines, lost = [], [], []
    with portal.serving(work, env) as url:
        for scan in SCANS:
            person = people[scan.who]
            before = len(portal.access_log(work))
            scan_started = time.monotonic()
            report_path = run_scan(scan, url, person, work, args)
            seconds = time.monotonic() - scan_started
            time.sleep(1)  # gunicorn writes its access log line after the answer
            served = portal.access_log(work)[before:]
            alive = portal.still_signed_in(url, person["cookies"], person["landing"])
            report = json.loads(report_path.read_text(encoding="utf-8"))
            reports.append((scan, report))
            lines.append(summary(scan, person, report, served, seconds, alive))
            if not alive:
                lost.append(scan.name)

    rules = tomllib.loads((ROOT / "security" / "wapiti-triage.toml").read_text(encoding="utf-8")).get("triaged", [])
    open_findings = []
    for scan, report in reports:
        for finding in findings(report):
            rule = triaged(finding, rules)
            where = f"{finding['category']}: {finding['method']} {finding['path']} {finding['parameter']}".strip()
            if rule:
                print(f"  triaged  [{scan.name}] {where} — {rule['reason'].splitlines()[0]}")
            else:
                open_findings.append(finding)
                print(f"  FINDING  [{scan.name}] {where}\n           {finding['info']}")
    for line in lines:
        print(line)
    if lost:
        print(f"security: the scan lost its session ({', '.join(lost)}): its pages were crawled as a stranger")
    print(
        f"security: {len(open_findings)} untriaged finding(s) in {time.monotonic() - started:.0f} s; "
        f"reports: {', '.join(str(work / s.who / 'wapiti.json') for s in SCANS)}"
    )
    return 1 if open_findings or lost else 0


if __name__ == "__main__":
    sys.exit(main())
