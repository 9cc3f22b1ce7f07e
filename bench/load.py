"""Load benchmark: every client page against the bare Django page B, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/load.py --tier M

Needs a database made by `bench/generate.py`, collected static files and `wrk` (`make bench-quick` /
`make bench` do all of it). Starts gunicorn exactly as `make run` does (`config.wsgi`, 2 sync workers)
with `bench.settings` (the portal plus B at `/bench/bare/`), signs in as the largest organization's
administrator, and for each page runs a round: B, the page, B at one connection, the page at one
connection (`wrk -t2 -c32`, then `-t1 -c1`). The ratio to B is taken within the same round, so the
machine's noise (2 shared cores) hits both. Queries per request and the response size come from the
same request made in-process after a warm-up. Prints the table and writes `bench/results.json` as the
issue asks, one entry per page:

    {"pages": [{"page", "ratio_to_b", "p50_ms", "p99_ms", "queries", "bytes", "calls"}], "machine", "tier"}

`ratio_to_b` is the page's req/s over B's at 32 connections in the same round, `p50_ms` the page's
median latency at one connection (unloaded: what the goals compare with B), `p99_ms` its 99th
percentile at 32 connections, `queries` and `bytes` per request, `calls` the Python function calls
of one warm request (cProfile, `bench/profile_page.py`'s `count_calls`); the calls goal is at most
2.5 × B's (htmx fragments 1.2 ×), shown as «× B calls» with a «!» where it is missed. Everything else measured (req/s,
p95, B's own figures in each round, errors, the load average before and after) goes to
`bench/var/load-<tier>.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

LUA = r"""
local cookie, hx = os.getenv("BENCH_COOKIE"), os.getenv("BENCH_HX")
wrk.headers["Cookie"] = cookie
if hx == "1" then wrk.headers["HX-Request"] = "true" end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "errors": %d, "bad": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout, bad))
end
"""

# The goal for a page's function calls against B's in the same tree (the call-budget test holds the
# counts themselves; these ratios are the target the budgets are lowered toward).
CALLS_GOAL = 2.5
CALLS_GOAL_FRAGMENT = 1.2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def drain(url: str, cookie: str) -> None:
    """wrk stops with requests in flight; sync workers still answer them. One request queued behind
    them returns when they are done, so the next measurement starts on an idle server."""
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=300) as r:  # noqa: S310
        r.read()


def wrk(url: str, cookie: str, hx: bool, connections: int, seconds: int, script: str) -> dict:
    threads = 1 if connections == 1 else 2
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_HX": "1" if hx else "0"}
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script, url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    drain(url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + "/bench/bare/", cookie)
    result["rps"] = result["requests"] / result["seconds"]
    return result


def warm_up(base: str, cookie: str, urls: list[str]) -> None:
    """Both workers load the application lazily (seconds on a busy machine): every URL a few times."""
    import urllib.request

    for url in urls:
        for _ in range(3):
            request = urllib.request.Request(base + url, headers={"Cookie": cookie})  # noqa: S310
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (our own server)
                response.read()


def calendar_cursor(org_id: int) -> str:
    """The cursor «Показать еще» sends for the calendar's second page (the dashboard's first page's)."""
    from kabinet.contracts import ledger
    from kabinet.contracts.views import CALENDAR_STEP
    from kabinet.organizations.models import Organization

    return ledger.calendar_page(Organization.objects.get(pk=org_id), None, limit=CALENDAR_STEP).next_cursor


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as info:
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu or platform.processor()}), {memory:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load average {load:.1f} at start"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tier", default="M", help="the tier the database was generated with (for the report)")
    parser.add_argument("--seconds", type=int, default=6, help="wrk duration at 32 connections")
    parser.add_argument("--seconds-c1", type=int, default=3, help="wrk duration at 1 connection")
    parser.add_argument("--only", default="", help="comma-separated page names to run (default: all)")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--detail", default="", help="the full figures (default: bench/var/load-<tier>.json)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench-quick does it)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ["DEBUG"] = "0"
    import secrets

    # A throw-away key: production settings refuse the development key when DEBUG is off.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.explain import sample
    from bench.generate import ADMIN_PHONE
    from bench.profile_page import count_calls
    from kabinet.accounts.models import User
    from kabinet.organizations.models import Membership

    user = User.objects.get(phone=ADMIN_PHONE)
    org_id = Membership.objects.get(user=user).organization_id
    contract_id, _number, vin_part, plate, _calendar_after = sample(org_id)
    cases = [
        ("main page", "/dashboard/", False),
        ("contracts, page 1", "/contracts/", False),
        ("contracts, page 100", "/contracts/?page=100", False),
        ("contracts, VIN search", f"/contracts/?q={vin_part}", False),
        ("contracts, plate search", f"/contracts/?q={plate}", False),
        ("documents", "/documents/", False),
        ("documents, ?q=договор", "/documents/?q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80", False),
        ("contract card", f"/contracts/{contract_id}/", False),
        ("card tab fragment", f"/contracts/{contract_id}/items/", True),
        ("calendar «Показать еще»", f"/dashboard/?after={quote(calendar_cursor(org_id))}", True),
    ]
    bare = ("B", "/bench/bare/", False)
    client = Client()
    client.force_login(user)

    # An invoice for one of the organization's next unpaid lines: issuing renders the PDF once (timed here,
    # warm, the goal is ≤ 300 ms), downloading serves the stored file (a page of the run).
    from django.utils import timezone

    from kabinet.contracts.models import ScheduledPayment
    from kabinet.invoices.models import Invoice

    warm, line = ScheduledPayment.objects.filter(
        organization_id=org_id, is_paid=False, due_date__gte=timezone.localdate()
    ).order_by("due_date", "pk")[:2]
    client.post(f"/invoices/payment/{warm.pk}/")  # the first render in a process loads WeasyPrint and fonts
    invoices_before = Invoice.objects.count()
    started = time.perf_counter()
    response = client.post(f"/invoices/payment/{line.pk}/")
    issue = {"ms": round((time.perf_counter() - started) * 1000, 1), "new": Invoice.objects.count() > invoices_before}
    assert response.status_code == 302, response.status_code
    cases.append(("issued invoice download", response["Location"], False))
    if args.only:
        wanted = {w.strip() for w in args.only.split(",")}
        cases = [c for c in cases if c[0] in wanted]

    # Queries and bytes: in-process, after a warm-up request (the header cache is warm, as in the run).
    facts = {}
    for name, url, hx in [bare, *cases]:
        headers = {"HX-Request": "true"} if hx else {}
        client.get(url, headers=headers)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        calls, _stats, _response = count_calls(client, url, headers)
        facts[name] = {"queries": len(ctx.captured_queries), "bytes": len(body), "calls": calls}
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    connection.close()

    port = free_port()
    script = Path(tempfile.mkdtemp(prefix="kabinet-load-")) / "page.lua"
    script.write_text(LUA)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 — the same command as `manage.py serve`
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-"],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    started = time.time()
    description = machine()
    try:
        wait_for(port)
        warm_up(base, cookie, [bare[1], *(url for _, url, _ in cases)])
        print(
            f"{'page':28} {'req/s':>7} {'B req/s':>8} {'× B':>6} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'p50 c1':>7} {'B c1':>6} {'queries':>7} {'bytes':>8} {'calls':>7} {'× B calls':>10}"
        )
        for name, url, hx in [bare, *cases]:
            b = wrk(base + bare[1], cookie, False, 32, args.seconds, str(script))
            p = wrk(base + url, cookie, hx, 32, args.seconds, str(script)) if name != "B" else b
            b1 = wrk(base + bare[1], cookie, False, 1, args.seconds_c1, str(script))
            p1 = wrk(base + url, cookie, hx, 1, args.seconds_c1, str(script)) if name != "B" else b1
            row = {
                "page": name,
                "url": url,
                "ratio_to_b": round(p["rps"] / b["rps"], 3) if b["rps"] else None,
                "p50_c32_ms": round(p["p50_us"] / 1000, 1),
                "rps": round(p["rps"], 1),
                "b_rps": round(b["rps"], 1),
                "p95_ms": round(p["p95_us"] / 1000, 1),
                "p99_ms": round(p["p99_us"] / 1000, 1),
                "p50_c1_ms": round(p1["p50_us"] / 1000, 1),
                "b_p50_c1_ms": round(b1["p50_us"] / 1000, 1),
                "c1_ratio_to_b": round(p1["p50_us"] / max(b1["p50_us"], 1), 2),
                "queries": facts[name]["queries"],
                "bytes": facts[name]["bytes"],
                "calls": facts[name]["calls"],
                "calls_to_b": round(facts[name]["calls"] / facts["B"]["calls"], 2),
                "calls_goal": CALLS_GOAL_FRAGMENT if hx else CALLS_GOAL,
                "errors": p["errors"] + p["bad"],
            }
            rows.append(row)
            print(
                f"{name:28} {row['rps']:7.1f} {row['b_rps']:8.1f} {row['ratio_to_b'] or 0:6.0%} {row['p50_c32_ms']:7.1f} "
                f"{row['p95_ms']:7.1f} {row['p99_ms']:7.1f} {row['p50_c1_ms']:7.1f} {row['b_p50_c1_ms']:6.1f} "
                f"{row['queries']:7d} {row['bytes']:8d} {row['calls']:7d} "
                f"{row['calls_to_b']:9.2f}{'!' if row['calls_to_b'] > row['calls_goal'] else ' '}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"invoice issue (POST, renders the PDF): {issue['ms']} ms" + ("" if issue["new"] else " (already issued)"))
    description += f", {os.getloadavg()[0]:.1f} at the end"
    detail = {
        "pages": rows,
        "machine": description,
        "tier": args.tier,
        "database": "PostgreSQL",
        "server": "gunicorn config.wsgi --workers 2 (sync), bench.settings",
        "load": f"wrk -t2 -c32 -d{args.seconds}s per page and per B, then -t1 -c1 -d{args.seconds_c1}s",
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "invoice_issue": issue,
        "seconds": round(time.time() - started, 1),
    }
    keys = ("page", "ratio_to_b", "p50_ms", "p99_ms", "queries", "bytes", "calls")
    result = {
        "pages": [{key: row["p50_c1_ms" if key == "p50_ms" else key] for key in keys} for row in rows],
        "machine": description,
        "tier": args.tier,
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    detail_path = Path(args.detail or HERE / "var" / f"load-{args.tier}.json")
    detail_path.parent.mkdir(exist_ok=True)
    detail_path.write_text(json.dumps(detail, ensure_ascii=False, indent=2) + "\n")
    print(f"written {args.out} and {detail_path} in {detail['seconds']} s")


if __name__ == "__main__":
    main()
