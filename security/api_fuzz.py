"""`make api-fuzz` (part of `make security`): schemathesis against the integration API of a locally
started portal, with a creditor's token, for a fixed time; fails on any 5xx.

Starts the portal (gunicorn, DEBUG=0, a throw-away SQLite database with the demo data; security/portal.py),
issues an API token of the demo creditor (read and write; security/identities.py) and runs schemathesis
on the OpenAPI document (/api/v1/schema/) for API_FUZZ_SECONDS (180 by default): the examples, coverage,
fuzzing and stateful phases, repeated until the time is spent. Prints the requests sent and the answers
by status class, counted twice: by schemathesis (its JSON report) and by the portal (its access log,
which also holds what schemathesis itself did not count, e.g. the schema download).

    API_FUZZ_SECONDS=180 .venv/bin/python security/api_fuzz.py [--seconds N] [--workers N] [--seed N]

Every 5xx fails the run; schemathesis's report (var/api-fuzz/schemathesis/) holds each failing request
as a curl command, and the portal's log (var/api-fuzz/server.log) its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import portal

ROOT = portal.ROOT
# What a run checks: no 5xx, and every answer is one the OpenAPI document describes.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


# The path parameter of each operation and the kind of known identifier that fits it.
PATH_IDS = {
    r"^/api/v1/contracts/\{external_id\}/": "contracts",
    r"^/api/v1/organizations/\{external_id\}/": "organizations",
    r"^/api/v1/products/\{external_id\}/": "products",
    r"^/api/v1/creditors/\{external_id\}/": "creditors",
    r"^/api/v1/payments/\{external_id\}/": "payments",
    r"^/api/v1/insurance-policies/\{external_id\}/": "insurance_policies",
    r"^/api/v1/leased-items/\{external_id\}/": "leased_items",
    r"^/api/v1/requests/\{number\}/": "requests",
}
# Body fields that refer to another record by its identifier.
BODY_IDS = {"contract": "contracts", "organization": "organizations", "product": "products", "creditor": "creditors"}
# How often a known identifier replaces a generated one: half the requests find their record.
KNOWN_SHARE = 0.5


def write_config(path: Path, known: dict[str, list[str]]) -> Path:
    """schemathesis.toml: the creditor's known identifiers as dictionaries bound to paths and bodies."""
    lines = []
    usable = {kind for kind, values in known.items() if values}
    for kind in sorted(usable):
        lines += [f"[dictionaries.{kind}]", f"values = {json.dumps(known[kind], ensure_ascii=False)}", ""]
    body = {f"body.{field}": kind for field, kind in BODY_IDS.items() if kind in usable}
    if body:
        lines.append("[parameters]")
        for key, kind in body.items():
            lines.append(f'"{key}" = {{ dictionary = "{kind}", probability = {KNOWN_SHARE} }}')
        lines.append("")
    for regex, kind in PATH_IDS.items():
        if kind not in usable:
            continue
        name = "number" if "{number}" in regex else "external_id"
        lines += [
            "[[operations]]",
            f"include-path-regex = {json.dumps(regex)}",
            f'parameters = {{ "path.{name}" = {{ dictionary = "{kind}", probability = {KNOWN_SHARE} }} }}',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def default_seconds() -> int:
    raw = os.environ.get("API_FUZZ_SECONDS", "180")
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"API_FUZZ_SECONDS must be a positive number of seconds, not {raw!r}")
    return int(raw)


def schemathesis_counts(report_path: Path) -> tuple[int, Counter, list[str]]:
    """Requests sent, answers by status class and the failed checks, read from schemathesis's ndjson events."""
    requests, statuses, failures = 0, Counter(), []
    if not report_path.exists():
        return requests, statuses, failures
    for line in report_path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        for interaction in (recorder.get("interactions") or {}).values():
            response = interaction.get("response")
            requests += 1
            statuses[f"{response['status_code'] // 100}xx" if response else "no answer"] += 1
        for check_list in (recorder.get("checks") or {}).values():
            for check in check_list:
                if check.get("status") == "FAILURE":
                    failures.append(check.get("name", "?"))
    return requests, statuses, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=None, help="the run's time budget (API_FUZZ_SECONDS, 180)")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis's concurrent workers")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis's random seed (to repeat a run)")
    args = parser.parse_args()
    seconds = args.seconds or default_seconds()

    started = time.monotonic()
    work, env = portal.prepare("api-fuzz")
    token = portal.identities(env, "token")
    known = ", ".join(f"{len(values)} {kind}" for kind, values in token["known"].items() if values)
    print(f"api-fuzz: an API token of the creditor «{token['creditor']}» (read and write); known ids: {known}")
    print(f"api-fuzz: the portal's database is ready in {time.monotonic() - started:.0f} s", flush=True)

    report_dir = work / "schemathesis"
    ndjson = report_dir / "events.ndjson"
    with portal.serving(work, env) as url:
        config = write_config(work / "schemathesis.toml", token["known"])
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{url}/api/v1/schema/",
            "--max-time",
            str(seconds),
            "--workers",
            str(args.workers),
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {token['key']}",
            "--request-timeout",
            "30",
            "--continue-on-failure",
            "--suppress-health-check",
            "all",
            "--generation-database",
            ":memory:",
            "--report",
            "ndjson",
            "--report-dir",
            str(report_dir),
            "--report-ndjson-path",
            str(ndjson),
        ]
        if args.seed is not None:
            command += ["--seed", str(args.seed)]
        shown = " ".join(command[1:]).replace(token["key"], "kb_…")
        print(f"api-fuzz: schemathesis {shown}", flush=True)
        run_started = time.monotonic()
        result = subprocess.run(  # noqa: S603 (schemathesis from our venv)
            command, cwd=work, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=seconds + 600
        )
        run_seconds = time.monotonic() - run_started
        time.sleep(1)  # gunicorn writes its access log line after the answer
        served = [row for row in portal.access_log(work) if row[2].startswith("/api/")]

    sent, by_class, failed_checks = schemathesis_counts(ndjson)
    answered = Counter(f"{status // 100}xx" for status, _method, _path in served)
    server_errors = [(status, method, path) for status, method, path in served if status >= 500]
    print(
        f"api-fuzz: schemathesis sent {sent} requests in {run_seconds:.0f} s "
        f"({', '.join(f'{n}×{c}' for c, n in sorted(by_class.items()))}); "
        f"failed checks: {dict(Counter(failed_checks)) or 'none'} (schemathesis exit {result.returncode})"
    )
    print(
        f"api-fuzz: the portal answered {len(served)} API requests "
        f"({', '.join(f'{n}×{c}' for c, n in sorted(answered.items()))}); {len(server_errors)} × 5xx"
    )
    for status, method, path in sorted(set(server_errors)):
        print(f"  5xx  {status} {method} {path}")
    print(f"api-fuzz: {time.monotonic() - started:.0f} s in all; report: {report_dir}")
    return 1 if server_errors or by_class.get("5xx") else 0


if __name__ == "__main__":
    sys.exit(main())
