"""`make test-upgrade`: upgrade databases made by the previous releases and compare every money figure.

For each release named in CHANGELOG.md (RELEASES below): a `git worktree` of its commit runs against a
throw-away PostgreSQL database (migrate, its own `seed_demo`, a token, `runserver`), data goes in
through its own API (its `examples/nightly_sync.py`, then direct calls: a partly paid line, an overpaid
line, lines made unpaid again, the books' debt), its own code prints every figure it shows
(`deploy/upgrade_figures.py`); then today's code migrates the database, `check_upgrade` must pass (or,
upgraded through 26a8c60 first, name exactly the contract that release recomputed), and the figures read by today's
ledger must equal the release's to the kopeck. The one difference allowed is named in CHANGELOG.md: an
overpaid line's surplus pays the next lines (the ledger's rule), so on such a contract the per-line
paid amounts may move while the card's totals, the statuses of the other lines and the main page's debt
stay. Prints each step's time.

    .venv/bin/python deploy/upgradetest.py [--keep] [--no-demo] [--contracts 6] [37c8e7a 26a8c60 37c8e7a→26a8c60]

Needs git history (a shallow clone is unshallowed), PostgreSQL at UPGRADE_PG (default
postgres://postgres@127.0.0.1:5432) with the right to create databases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
RELEASES = ["37c8e7a", "26a8c60"]  # 0.1.0 (paid amounts on the lines) and 0.5.0 (the ledger)
# Each release straight to today, and 0.1.0 upgraded to 0.5.0 first (which recomputed a contract).
SCENARIOS = [*RELEASES, "37c8e7a→26a8c60"]
PG = os.environ.get("UPGRADE_PG", "postgres://postgres@127.0.0.1:5432")
TIMES: list[tuple[str, float]] = []
# A release's checkout → the interpreter that has that release's requirements (today's venv when they agree).
PYTHONS: dict[Path, str] = {}


def python_for(cwd: Path) -> str:
    return PYTHONS.get(Path(cwd), PY)


def release_python(checkout: Path, tmp: Path) -> str:
    """An interpreter with the release's own pinned requirements.

    Today's venv when the release pins the same; otherwise a venv under `tmp` that sees today's packages
    through a .pth file and installs only what the release pins differently (a package since dropped,
    such as django-structlog in 0.5.0, or another version). pip leaves today's venv alone: it does not
    uninstall what lies outside the environment it installs into."""
    wanted = (checkout / "requirements.txt").read_text()
    if wanted == (ROOT / "requirements.txt").read_text():
        return PY
    venv = tmp / f"venv-{hashlib.sha256(wanted.encode()).hexdigest()[:12]}"
    python = venv / "bin" / "python"
    if not python.exists():
        with timed(f"{checkout.name}: a venv with the release's requirements"):
            subprocess.run([PY, "-m", "venv", str(venv)], check=True)
            paths = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
            ours = subprocess.run([PY, "-c", paths], check=True, capture_output=True, text=True).stdout.strip()
            theirs = subprocess.run([str(python), "-c", paths], check=True, capture_output=True, text=True)
            Path(theirs.stdout.strip(), "kabinet-today.pth").write_text(ours + "\n")
            subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    "requirements.txt",
                ],
                cwd=checkout,
                check=True,
            )
    return str(python)


def log(message: str) -> None:
    print(f"[upgrade] {message}", flush=True)


@contextmanager
def timed(what: str):
    start = time.monotonic()
    yield
    TIMES.append((what, time.monotonic() - start))
    log(f"{what}: {time.monotonic() - start:.1f} s")


def git(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True, **kwargs)


def ensure_commit(commit: str) -> None:
    """CI clones shallow: fetch the history once if a release's commit is missing."""
    if subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True).returncode:
        shallow = git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        log(f"{commit} is not in the clone; fetching the history")
        fetched = subprocess.run(
            ["git", "fetch", "--quiet", *(["--unshallow"] if shallow else []), "origin"], cwd=ROOT, check=False
        )
        if fetched.returncode:
            sys.exit(f"release {commit} is not in this clone and could not be fetched: clone with full history")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    import psycopg  # reason: the venv's driver, imported once the script runs (not at --help)

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def manage(cwd: Path, env: dict, *args: str, capture: bool = True) -> str:
    result = subprocess.run(
        [python_for(cwd), "manage.py", *args], cwd=cwd, env=env, capture_output=capture, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} in {cwd} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def figures(cwd: Path, env: dict) -> dict:
    result = subprocess.run(
        [python_for(cwd), str(ROOT / "deploy" / "upgrade_figures.py")], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"figures in {cwd} failed:\n{result.stderr}")
    return json.loads(result.stdout)


class Api:
    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/") + "/api/v1", token

    def call(self, method: str, path: str, body) -> dict:
        request = urllib.request.Request(  # noqa: S310 (a loopback URL of our own)
            self.url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            sys.exit(f"{method} {path}: HTTP {exc.code} {exc.read().decode()[:500]}")


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the release's server stopped ({process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    sys.exit(f"no answer from {url}")


TOKEN = """
import inspect
from kabinet.api.models import ApiToken
extra = {"staff_wide": True, "can_change_requisites": True} if "staff_wide" in inspect.signature(ApiToken.issue).parameters else {}
print(ApiToken.issue(name="upgrade test", can_read=True, can_write=True, **extra)[1])
"""


INVOICES = """
from datetime import date
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.invoices import services
pay = getattr(services, "invoice_issue_for_payment", None) or services.invoice_for_payment
debt = getattr(services, "invoice_issue_for_debt", None) or services.invoice_for_debt
partly = Contract.objects.get(external_id="1C-C-00000")
line = ScheduledPayment.objects.filter(contract=partly, due_date__gte=date.today()).order_by("due_date").first()
pay(org=partly.organization, payment_id=line.pk)
for contract in Contract.objects.filter(external_id__startswith="1C-C-").order_by("external_id"):
    try:  # the first contract in debt (the releases refuse one without: Http404 / NothingToInvoice)
        debt(org=contract.organization, contract_id=contract.pk)
        break
    except Exception:
        continue
"""


def load_through_the_api(release: Path, url: str, token: str, contracts: int, old_body: bool) -> None:
    """The release's own integration example, then the cases it lacks, through its own API."""
    subprocess.run(
        [
            python_for(release),
            "examples/nightly_sync.py",
            "--url",
            url,
            "--token",
            token,
            "--contracts",
            str(contracts),
        ],
        cwd=release,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    api = Api(url, token)
    today = date.today()
    if old_body:  # 0.1.0: a line's paid total
        rows = [
            {"contract": "1C-C-00000", "number": 12, "paid_amount": "50000.00", "paid_date": str(today)},
            {"contract": "1C-C-00001", "number": 11, "paid_amount": "130000.00", "paid_date": str(today)},
            {"contract": "1C-C-00002", "number": 9, "paid_amount": "0", "paid_date": str(today)},
            {"contract": "1C-C-00002", "number": 10, "paid_amount": "100000.00", "paid_date": str(today)},
            {"contract": "1C-C-00002", "number": 11, "paid_amount": "0", "paid_date": str(today)},
        ]
        api.call("POST", "/payments/", {"payments": rows})
    else:  # the ledger's body: a partial payment, and one more than the lines left
        rows = [
            {"external_id": "UP-PART", "contract": "1C-C-00000", "amount": "50000.00", "received_on": str(today)},
            {
                "external_id": "UP-OVER",
                "contract": "1C-C-00001",
                "amount": "11000.00",
                "received_on": str(today),
                "allocations": [{"number": 12, "amount": "11000.00"}],
            },
        ]
        api.call("POST", "/payments/", {"payments": rows})


def put_books_debts(url: str, token: str, before: dict) -> None:
    """The books' debt of every contract in debt equals its overdue (what 0.1.0's main page summed)."""
    api = Api(url, token)
    for key, figure in before["contracts"].items():
        if key.startswith("1C-C-") and Decimal(figure["overdue"]) > 0:  # the demo's own debts stay
            body = {"amount": figure["overdue"], "penalty": "0", "as_of": str(date.today())}
            api.call("PUT", f"/contracts/{key}/debt/", body)


def compare(before: dict, after: dict) -> list[str]:
    problems, notes = [], []
    for key, old in before["contracts"].items():
        new = after["contracts"].get(key)
        if new is None:
            problems.append(f"{key}: missing after the upgrade")
            continue
        if not new.get("copies_equal_ledger", True):
            problems.append(f"{key}: the card's copies differ from the ledger")
        overpaid = any(Decimal(paid) > Decimal(amount) for _, amount, paid, _, _ in old["lines"])
        for name in ("remaining", "overdue"):
            if old[name] != new[name]:
                problems.append(f"{key}: {name} {old[name]} → {new[name]}")
        # The акт (new in the ledger releases) agrees with what the card said was left to pay.
        if new["statement"] != old.get("statement", old["remaining"]):
            problems.append(
                f"{key}: the statement's closing {new['statement']} ≠ {old.get('statement', old['remaining'])}"
            )
        for (n, _, paid, status, outstanding), (_, _, paid2, status2, outstanding2) in zip(
            old["lines"], new["lines"], strict=True
        ):
            if (paid, status, outstanding) != (paid2, status2, outstanding2):
                line = (
                    f"{key} line {n}: paid {paid} {status} (to pay {outstanding}) → {paid2} {status2} ({outstanding2})"
                )
                (notes if overpaid else problems).append(line)
    if before["invoices"] != after["invoices"]:
        problems.append(f"issued invoices changed: {before['invoices']} → {after['invoices']}")
    for inn, old in before["organizations"].items():
        new = after["organizations"].get(inn, {})
        if old["debt_total"] != new.get("debt_total"):
            problems.append(f"organization {inn}: main page's debt {old['debt_total']} → {new.get('debt_total')}")
    for note in notes:
        log(f"  expected (an overpaid line's surplus pays the next line): {note}")
    return problems


class Release:
    """A release's checkout (a git worktree) serving a database with `runserver`."""

    def __init__(self, commit: str, tmp: Path, env: dict):
        ensure_commit(commit)
        self.commit, self.env, self.path = commit, env, tmp / f"release-{commit}"
        if not self.path.exists():
            git("worktree", "add", "--quiet", "--detach", str(self.path), commit)
        PYTHONS[self.path] = release_python(self.path, tmp)
        self.server: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> str:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen(
            [python_for(self.path), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=self.path,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.url + "/api/v1/schema/", self.server)
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    def remove(self) -> None:
        self.stop()
        subprocess.run(["git", "worktree", "remove", "--force", str(self.path)], cwd=ROOT, check=False)


def run_release(
    commit: str, tmp: Path, contracts: int, keep: bool, via: str | None = None, demo: bool = False
) -> list[str]:
    """Upgrade a database of `commit` to today's code; with `via`, first to that release, where a ledger
    write recomputes one contract (1C-C-00003) before today's carry-over: that contract must be
    reported by `check_upgrade` and left alone, the others carried over."""
    name = f"{commit}→{via}" if via else commit
    database = f"kabinet_upgrade_{commit}_{via or 'direct'}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "KABINET_VAR_DIR": str(tmp / f"var-{database}"),
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("REDIS_URL", None)
    releases: list[Release] = []
    try:
        psql(f"DROP DATABASE IF EXISTS {database}")
        psql(f"CREATE DATABASE {database}")
        release = Release(commit, tmp, env)
        releases.append(release)
        with timed(f"{name}: migrate (the release)"):
            manage(release.path, env, "migrate", "--noinput")
        if demo:
            with timed(f"{name}: the release's demo data (seed_demo)"):
                manage(release.path, env, "seed_demo")
        token = manage(release.path, env, "shell", "-c", TOKEN).strip().splitlines()[-1]
        url = release.start()
        old_body = not figures(release.path, env)["ledger"]
        with timed(f"{name}: data through the release's API ({contracts} contracts)"):
            load_through_the_api(release.path, url, token, contracts, old_body)
            put_books_debts(url, token, figures(release.path, env))
            # Invoices are issued by clients on the pages, not through the API: the release's service.
            manage(release.path, env, "shell", "-c", INVOICES)
        before = figures(release.path, env)
        release.stop()
        lost: set[str] = set()
        if via:
            middle = Release(via, tmp, env)
            releases.append(middle)
            with timed(f"{name}: migrate with {via}"):
                manage(middle.path, env, "migrate", "--noinput")
            penalty = {
                "external_id": "UP-PENALTY",
                "contract": "1C-C-00003",
                "accrued_on": str(date.today()),
                "amount": "1.00",
                "basis": "upgrade test",
            }
            Api(middle.start(), token).call("POST", "/penalties/", {"penalties": [penalty]})
            middle.stop()
            lost = {"1C-C-00003"}
        with timed(f"{name}: migrate with today's code"):
            output = manage(ROOT, env, "migrate", "--noinput")
        log(
            f"{name}: "
            + " ".join(line.strip() for line in output.splitlines() if "carried" in line or "WARNING" in line)
        )
        check = subprocess.run(
            [PY, "manage.py", "check_upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        problems = []
        reported = {key for key in before["contracts"] if key in check.stdout}
        if reported != lost or bool(check.returncode) != bool(lost):
            problems.append(f"check_upgrade reported {sorted(reported)} (exit {check.returncode}), not {sorted(lost)}")
        for line in check.stdout.splitlines():
            log(f"{name}: check_upgrade: {line}")
        after = figures(ROOT, env)
        for key in lost:  # reported, not guessed: its figures are those of an empty ledger
            before["contracts"].pop(key)
            after["contracts"].pop(key)
            before["organizations"].clear()
        summary(name, before, after)
        return [f"{name}: {p}" for p in problems + compare(before, after)]
    finally:
        for release in releases:
            release.stop()
            if not keep:
                release.remove()
        if not keep:
            psql(f"DROP DATABASE IF EXISTS {database}")


def summary(commit: str, before: dict, after: dict) -> None:
    log(f"{commit}: issued invoices {before['invoices']} → {after['invoices']}")
    for inn, old in before["organizations"].items():
        log(
            f"{commit}: organization {inn}: main page's debt {old['debt_total']} → {after['organizations'][inn]['debt_total']}"
        )
    for key, old in before["contracts"].items():
        new = after["contracts"][key]
        log(
            f"{commit}: {key}: remaining {old['remaining']} → {new['remaining']}, overdue {old['overdue']} → "
            f"{new['overdue']}, payments in the ledger → {new['payments']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and databases")
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="without the release's seed_demo")
    parser.add_argument("releases", nargs="*", default=SCENARIOS, help="a commit, or old→middle")
    args = parser.parse_args()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="kabinet-upgrade-"))
    problems: list[str] = []
    try:
        for scenario in args.releases:
            commit, _, via = scenario.partition("→")
            problems += run_release(commit, tmp, args.contracts, args.keep, via or None, args.demo)
    finally:
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=False)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    for what, seconds in TIMES:
        log(f"time: {what}: {seconds:.1f} s")
    log(f"time: whole run {time.monotonic() - started:.1f} s")
    if problems:
        for problem in problems:
            log(f"FAIL {problem}")
        sys.exit(1)
    log(f"OK: every figure of {', '.join(args.releases)} equals after the upgrade")


if __name__ == "__main__":
    main()
