"""`make test-prod`: the production shape on one machine, with faults, and what each fault did.

Starts everything itself on free ports under a temporary folder (never what is already running):
nginx (the shipped deploy/nginx/kabinet.conf.template, TLS with a throw-away certificate) → two
gunicorn processes (app A, app B); PostgreSQL primary + a streaming replica made with pg_basebackup;
Redis; moto's S3 server; one RQ worker; the scheduler; and a local SMS gateway / webhook receiver that
drops repeats by their idempotency key (as a gateway that honours the key does) and counts them.

Then it proves, printing a line per check with the figures:
  shared session across A and B; upload through A, download through B (presigned S3 URL);
  the sign-in limit shared by A and B; a page read from the replica; write-then-read sees the write;
  kill -9 of the worker mid-task (an SMS and a webhook: sent once, nothing lost);
  kill -9 of an app process mid-request (GET retried on the other one; an interrupted POST leaves no row);
  Redis restarted (still signed in); pg_terminate_backend mid-request (a clean error, the next works);
  the replica stopped (pages from the primary, /readyz says so); secret links absent from every log;
  a backup (pg_dump + the bucket) restored elsewhere: verify_storage refuses it without the files and
  passes with them, and every file opens with its original bytes;
  the primary restarted mid-write (each write lands once or gets the Russian 503 page); Redis down for a
  compressed minute (CACHE_RETRY_AFTER=2: six retry windows); a rolling restart (SIGHUP) under load with
  zero failed requests; replica lag past the limit (reads go to the primary); the media disk full (a
  third app process on a 1 MB tmpfs: the upload refused in words, no row, no file); S3 slow (the apps
  reach S3 through kabinet.testing.slowproxy, which holds every call: uploads and a ZIP answer the 503
  «отвечает медленно», pages keep answering at once since at most STORAGE_MAX_CALLS of a worker's
  GUNICORN_THREADS wait on S3) and S3 killed (the 503 page, workers keep serving); text extraction
  killed mid-run (retried once, then marked «текст не извлечён»).
`TEST_PROD_ONLY=name,name` runs the first scenario (it signs in) and the named ones only (the function
names below, e.g. TEST_PROD_ONLY=upload_download,disk_full,s3_slow).
The last line is `test-prod: N passed, M failed`; the exit code is 1 when anything failed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import redis as redis_client
import requests
import urllib3

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from kabinet.testing.services import RedisServer, free_port, wait_for_port  # noqa: E402
from kabinet.testing.slowproxy import SlowProxy  # noqa: E402

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
PHONE, PASSWORD = "+79000000001", "kabinet-demo"
RESULTS: list[tuple[bool, str, str]] = []
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def check(name: str):
    """Run one scenario; record pass/fail and the figures it returns."""

    def decorator(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            started = time.monotonic()
            try:
                figures = func(*args, **kwargs) or ""
                RESULTS.append((True, name, figures))
                print(f"  PASS  {name}: {figures} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception as exc:
                RESULTS.append((False, name, f"{exc.__class__.__name__}: {exc}"))
                print(f"  FAIL  {name}: {exc.__class__.__name__}: {exc}", flush=True)
                traceback.print_exc()

        return run

    return decorator


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout} s")


# --- A gateway that stands for the SMS provider and the client's webhook receiver ------------------


class Gateway:
    """SMS.ru's answer format for /sms/send, 200 for /hook. The first request of each kind is held for
    `hold` seconds (the worker is killed meanwhile). Repeats with a seen Idempotency-Key are answered
    with the first answer and not delivered again."""

    def __init__(self, hold: float = 15.0):
        self.hold = hold
        self.requests: list[tuple[str, str]] = []  # (path, key)
        self.delivered: dict[str, int] = {}  # key -> times delivered (kept at 1 by the key)
        self.held = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key", "")
                path = self.path.split("?")[0]
                with outer._lock:
                    first_of_kind = not any(p == path for p, _ in outer.requests)
                    outer.requests.append((path, key))
                    outer.delivered[key] = outer.delivered.get(key, 0) + (0 if key in outer.delivered else 1)
                if first_of_kind:
                    outer.held.set()
                    time.sleep(outer.hold)
                if path == "/sms/send":
                    to = urllib.parse.parse_qs(body.decode())["to"][0]
                    answer = {"status": "OK", "status_code": 100, "sms": {to: {"status": "OK", "sms_id": key}}}
                else:
                    answer = {"ok": True}
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the worker was killed while we held its request

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def seen(self, path: str) -> list[str]:
        return [key for p, key in self.requests if p == path]


# --- The cluster ------------------------------------------------------------------------------------


class Cluster:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="kabinet-prod-"))
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {
            name: free_port() for name in ("pg1", "pg2", "s3", "app-a", "app-b", "app-disk", "http", "https", "redis")
        }
        self.redis = RedisServer(self.ports["redis"])
        self.gateway = Gateway()
        # The apps reach S3 through a proxy that can make it slow (browsers reach it directly: presigned links).
        self.s3proxy = SlowProxy(self.ports["s3"])
        self.small_media: Path | None = None
        self.pg_user = "postgres" if os.geteuid() == 0 else None
        self.base = f"https://127.0.0.1:{self.ports['https']}"

    # PostgreSQL refuses to run as root: its folders belong to the postgres user, and it runs as that user.
    def pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.pg_user:
            command = ["runuser", "-u", self.pg_user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def dsn(self, which: str = "pg1", db: str = "kabinet") -> str:
        return f"host=127.0.0.1 port={self.ports[which]} user=postgres dbname={db}"

    def sql(self, query: str, which: str = "pg1", params=()):
        with psycopg.connect(self.dsn(which), autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute(query, params)
            return rows.fetchall() if rows.description else None

    def start_postgres(self) -> None:
        pg1, pg2 = self.dir / "pg1", self.dir / "pg2"
        for folder in (pg1, pg2, self.dir / "pgsock"):
            folder.mkdir(mode=0o700)
            if self.pg_user:
                shutil.chown(folder, self.pg_user, self.pg_user)
        self.dir.chmod(0o755)
        started = time.monotonic()
        self.pg("initdb", "-D", str(pg1), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        with (pg1 / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.ports['pg1']}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir / 'pgsock'}'\nfsync = off\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
            )
        log(f"initdb {time.monotonic() - started:.1f} s")
        self.pg("pg_ctl", "-D", str(pg1), "-l", str(pg1 / "log"), "-w", "start")
        self._createdb()
        self.pg(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.ports["pg1"]),
            "-U",
            "postgres",
            "-D",
            str(pg2),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        with (pg2 / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.ports['pg2']}\n")
        self.start_replica()

    def _createdb(self) -> None:
        with psycopg.connect(self.dsn("pg1", "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE kabinet")

    def start_replica(self) -> None:
        pg2 = self.dir / "pg2"
        self.pg("pg_ctl", "-D", str(pg2), "-l", str(pg2 / "log"), "-w", "start")

    def stop_replica(self) -> None:
        self.pg("pg_ctl", "-D", str(self.dir / "pg2"), "-m", "immediate", "-w", "stop")

    def env(self, app: str = "") -> dict[str, str]:
        name = app or "task"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TASKS_"))},
            "SECRET_KEY": "test-prod-" + hashlib.sha256(str(self.dir).encode()).hexdigest(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.base,
            "BEHIND_PROXY": "1",
            "SECURE_COOKIES": "1",
            "TRUSTED_PROXIES": "127.0.0.1",
            "KABINET_VAR_DIR": str(self.dir / "var"),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.ports['pg1']}/kabinet?application_name={name}",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{self.ports['pg2']}/kabinet"
            f"?application_name={name}",
            "CONN_MAX_AGE": "60",
            "CONN_HEALTH_CHECKS": "1",
            "REPLICA_RETRY_SECONDS": "1",
            # The read-your-writes check pauses the replica's replay: allow that much lag, or the pages would
            # (rightly) leave the lagging replica for the primary and nothing would show the pin at work.
            # Low enough that the replica-lag scenario passes it within seconds; the read-your-writes check
            # pauses replay for a second or two right after a write, well under it.
            "REPLICA_MAX_LAG_SECONDS": "8",
            # Redis is retried every 2 s while down (CACHE_RETRY_AFTER, 5 s by default): the Redis-down
            # scenario's 12 s are six retry windows, what a minute is with the default.
            "CACHE_RETRY_AFTER": "2",
            # A hung S3 costs a request at most 2 × (1 + 3) s here (production: 5 and 20 s).
            "S3_CONNECT_TIMEOUT": "1",
            "S3_READ_TIMEOUT": "3",
            "REDIS_URL": self.redis.url,
            "TASKS_BACKEND": "django_tasks_rq.RQBackend",
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "kabinet",
            "S3_ENDPOINT_URL": self.s3proxy.url,
            "S3_PUBLIC_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
            "S3_ACCESS_KEY": "kabinet",
            "S3_SECRET_KEY": "kabinet-secret",
            "S3_REGION": "us-east-1",
            "PRIVATE_FILES_DELIVERY": "s3-presigned",
            "SMS_BACKEND": "kabinet.messaging.sms.SmsRuBackend",
            "SMSRU_API_ID": "test",
            "SMSRU_URL": f"http://127.0.0.1:{self.gateway.port}/sms/send",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The webhook receiver of this test is on the loopback, which the SSRF guard refuses by default.
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
            "OUTBOX_STALE_AFTER": "3",
            "OUTBOX_SWEEP_INTERVAL": "1",
            # A killed worker's send is taken for dead after the lease: short here, so that the kill -9
            # scenarios see the row sent again within their wait (the lease must outlast two timeouts).
            "SMS_TIMEOUT": "3",
            "WEBHOOK_TIMEOUT": "3",
            "TELEGRAM_TIMEOUT": "3",
            "OUTBOX_LEASE": "8",
            # A text extraction not finished 3 s after it started is taken for lost (production: 300 s).
            "EXTRACTION_LEASE": "3",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "GUNICORN_WORKERS": "2",
            # gthread: 4 threads per worker, at most 2 of them waiting on S3; the 3rd waits 1 s, then the 503.
            "GUNICORN_THREADS": "4",
            "STORAGE_MAX_CALLS": "2",
            "STORAGE_WAIT_TIMEOUT": "1",
            "GUNICORN_TIMEOUT": "60",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        }
        if app:
            env["GUNICORN_BIND"] = f"127.0.0.1:{self.ports[app]}"
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.dir / f"prometheus-{app}")
        return env

    def manage(self, *args: str, timeout: int = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def spawn(self, name: str, command: list[str], env: dict) -> None:
        logfile = (self.dir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill9(self, name: str) -> None:
        """SIGKILL to the process, its group and every descendant: RQ runs each job in a "work horse" child
        in a session of its own, and it must die too, in the middle of its request."""
        process = self.procs[name]
        victims = [process.pid, *descendants(process.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def restart_dead(self, *names: str) -> None:
        for name in names:
            if self.procs[name].poll() is not None:
                log(f"{name} had exited (code {self.procs[name].returncode}): started again")
                if name in ("worker", "extraction-worker"):
                    self.start_worker((name,))
                else:
                    self.spawn("scheduler", [PYTHON, "manage.py", "scheduler"], self.env())

    def start_app(self, app: str, **extra: str) -> None:
        self.spawn(app, [GUNICORN, "config.wsgi", "--config", "deploy/gunicorn.conf.py"], self.env(app) | extra)
        wait_for_port(self.ports[app], timeout=60)
        wait_until(lambda: _get(f"http://127.0.0.1:{self.ports[app]}/healthz").status_code == 200, 30, f"{app} up")

    def restart_app_after_kill(self, app: str, killed_at: float) -> None:
        """Start a killed app again and wait until nginx takes it back: nginx keeps a server that failed out
        of rotation for the template's `fail_timeout`, so a later scenario must not find both apps out
        (nginx answers 502 "no live upstreams" then, which is right for production and wrong for a test)."""
        self.start_app(app)
        template = (BASE_DIR / "deploy" / "nginx" / "kabinet.conf.template").read_text()
        fail_timeout = int(re.search(r"fail_timeout=(\d+)s", template).group(1))
        time.sleep(max(0.0, killed_at + fail_timeout + 0.5 - time.monotonic()))

    def start_worker(self, names: tuple[str, ...] = ("worker", "extraction-worker")) -> None:
        """The task workers: `worker` takes the default queue (codes, e-mails, webhooks), `extraction-worker`
        the text extraction queue. One that is still running is left as it is."""
        queues = {"worker": ["default", "--with-scheduler"], "extraction-worker": ["extraction"]}
        for name in names:
            if name in self.procs and self.procs[name].poll() is None:
                continue
            self.spawn(
                name,
                [PYTHON, "manage.py", "rqworker", *queues[name], "--job-class", "django_tasks_rq.Job"],
                self.env("") | {"DATABASE_URL": self.env()["DATABASE_URL"].replace("=task", "=worker")},
            )

    def start_s3(self) -> None:
        self.spawn(
            "s3",
            [str(BASE_DIR / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.ports["s3"])],
            dict(os.environ),
        )
        wait_for_port(self.ports["s3"], timeout=60)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
            aws_access_key_id="kabinet",
            aws_secret_access_key="kabinet-secret",
            region_name="us-east-1",
        ).create_bucket(Bucket="kabinet")
        self.s3proxy.start()

    def start_nginx(self) -> None:
        ngx = self.dir / "nginx"
        for sub in ("logs", "tmp"):
            (ngx / sub).mkdir(parents=True)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(ngx / "key.pem"),
                "-out",
                str(ngx / "cert.pem"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        # Rendered as the README says, by deploy/render-nginx (it refuses a missing variable).
        site = render_nginx(
            KABINET_APP_A=f"127.0.0.1:{self.ports['app-a']}",
            KABINET_APP_B=f"127.0.0.1:{self.ports['app-b']}",
            KABINET_SERVER_NAME="127.0.0.1",
            KABINET_HTTP_PORT=f"127.0.0.1:{self.ports['http']}",
            KABINET_HTTPS_PORT=f"127.0.0.1:{self.ports['https']}",
            KABINET_TLS_CERT=str(ngx / "cert.pem"),
            KABINET_TLS_KEY=str(ngx / "key.pem"),
            KABINET_MAX_BODY="55m",
            KABINET_STATIC_ROOT=str(BASE_DIR / "staticfiles"),
            KABINET_MEDIA_ROOT=str(self.dir / "var" / "media"),
            KABINET_ACCESS_LOG=str(ngx / "logs" / "access.log"),
        )
        # The redirect of the plain-HTTP server names the port only (the template's listen takes an address).
        site = site.replace(f"https://$host:127.0.0.1:{self.ports['https']}", f"https://$host:{self.ports['https']}")
        (ngx / "kabinet.conf").write_text(site)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        (ngx / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {ngx}/nginx.pid;\nerror_log {ngx}/logs/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log {ngx}/logs/access.log;\n"
            f"  client_body_temp_path {ngx}/tmp/body; proxy_temp_path {ngx}/tmp/proxy;\n"
            f"  fastcgi_temp_path {ngx}/tmp/fcgi; uwsgi_temp_path {ngx}/tmp/uwsgi; scgi_temp_path {ngx}/tmp/scgi;\n"
            f"  include {ngx}/kabinet.conf;\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run(
            [nginx, "-t", "-p", str(ngx), "-c", str(ngx / "nginx.conf")], capture_output=True, text=True
        )
        if test.returncode:
            raise RuntimeError(f"nginx -t refused the rendered template:\n{test.stderr}")
        self.spawn(
            "nginx", [nginx, "-p", str(ngx), "-c", str(ngx / "nginx.conf"), "-g", "daemon off;"], dict(os.environ)
        )
        wait_for_port(self.ports["https"])

    def up(self) -> None:
        log(f"starting in {self.dir}")
        self.start_postgres()
        log(f"PostgreSQL primary :{self.ports['pg1']}, streaming replica :{self.ports['pg2']} (pg_basebackup)")
        self.redis.start()
        self.start_s3()
        log(
            f"Redis :{self.ports['redis']}, moto S3 :{self.ports['s3']} (the apps through the slow proxy "
            f":{self.s3proxy.port}), gateway :{self.gateway.port}"
        )
        self.manage("migrate", "--noinput", timeout=600)
        self.manage("seed_demo")
        log("migrated and seeded the primary")
        for app in ("app-a", "app-b"):
            self.start_app(app)
        self.start_worker()
        self.spawn("scheduler", [PYTHON, "manage.py", "scheduler"], self.env())
        self.start_nginx()
        log(
            f"nginx https://127.0.0.1:{self.ports['https']} → app A :{self.ports['app-a']}, "
            f"app B :{self.ports['app-b']}; RQ worker and scheduler running"
        )

    def down(self) -> None:
        for _name, process in self.procs.items():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.procs.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.redis.stop()
        self.s3proxy.stop()
        if self.small_media is not None:
            subprocess.run(["umount", str(self.small_media)], check=False, capture_output=True)
        for data in ("pg2", "pg1"):
            if (self.dir / data / "postmaster.pid").exists():
                self.pg("pg_ctl", "-D", str(self.dir / data), "-m", "immediate", "-w", "stop", check=False)
        self.gateway.server.shutdown()
        if os.environ.get("KEEP_TEST_PROD"):
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout
        children = [int(x) for x in out.split()]
        found += children
        todo += children
    return found


def render_nginx(**values: str) -> str:
    """deploy/render-nginx with these KABINET_* variables in its environment; the site it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABINET_")}
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "deploy" / "render-nginx")],
        env={**env, **values},
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode:
        raise RuntimeError(f"deploy/render-nginx refused: {result.stderr}")
    return result.stdout


def _get(url: str, **kwargs) -> requests.Response:
    try:
        return requests.get(url, timeout=10, verify=False, allow_redirects=False, **kwargs)
    except requests.RequestException:
        response = requests.Response()
        response.status_code = 0
        return response


# --- A browser that can talk through nginx or straight to one app process -----------------------------


class Browser:
    """Keeps cookies itself (the app's cookies are Secure; a direct request to an app process is plain
    HTTP with the proxy's headers, as nginx sends it)."""

    def __init__(self, cluster: Cluster):
        self.c = cluster
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, via: str = "nginx", **kwargs) -> requests.Response:
        host = f"127.0.0.1:{self.c.ports['https']}"
        headers = {"Referer": f"https://{host}{path}", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if via == "nginx":
            url = f"https://{host}{path}"
        else:
            url = f"http://127.0.0.1:{self.c.ports[via]}{path}"
            headers |= {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
        response = requests.request(
            method,
            url,
            headers=headers,
            verify=False,
            allow_redirects=False,
            timeout=kwargs.pop("timeout", 60),
            **kwargs,
        )
        for cookie in response.cookies:
            if cookie.value == "" or (cookie.expires is not None and cookie.expires < time.time()):
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    @classmethod
    def copy(cls, other: Browser) -> Browser:
        browser = cls(other.c)
        browser.cookies = dict(other.cookies)
        return browser

    def csrf(self, path: str, via: str = "nginx") -> str:
        page = self.get(path, via=via)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise AssertionError(f"no form on {path} ({page.status_code})")
        return match.group(1)

    def post(self, path: str, data: dict, via: str = "nginx", form_path: str | None = None, **kwargs):
        token = self.csrf(form_path or path, via=via)
        return self.request("POST", path, via=via, data={**data, "csrfmiddlewaretoken": token}, **kwargs)

    def sign_in(self, via: str = "nginx", password: str = PASSWORD) -> requests.Response:
        return self.post("/login/", {"username": PHONE, "password": password}, via=via)


def signed_in(response: requests.Response) -> bool:
    return response.status_code == 200 and "/login/" not in response.headers.get("Location", "")


# --- Holding a request in the database, to fault a process in the middle of it -----------------------


class TableLock:
    """`LOCK TABLE … IN ACCESS EXCLUSIVE MODE` in an open transaction on the primary: a request that
    touches the table waits on it until release()."""

    def __init__(self, cluster: Cluster, table: str):
        self.conn = psycopg.connect(cluster.dsn("pg1"))
        self.conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def waiting_backends(cluster: Cluster) -> list[tuple[int, str]]:
    return cluster.sql(
        "SELECT pid, application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'kabinet'"
    )


class InFlight(threading.Thread):
    def __init__(self, func):
        super().__init__(daemon=True)
        self.func, self.response, self.error, self.finished_at = func, None, None, None

    def run(self):
        try:
            self.response = self.func()
        except Exception as exc:
            self.error = exc
        self.finished_at = time.monotonic()


# --- The scenarios ----------------------------------------------------------------------------------


@check("shared session: sign in through nginx, the same cookie is signed in on app A and app B")
def shared_session(c: Cluster, b: Browser):
    response = b.sign_in()
    assert response.status_code == 302, f"sign-in answered {response.status_code}"
    a_page, b_page = b.get("/dashboard/", via="app-a"), b.get("/dashboard/", via="app-b")
    assert signed_in(a_page) and signed_in(b_page), (a_page.status_code, b_page.status_code)
    return "app A 200, app B 200 with one session cookie (sessions: Redis cache + PostgreSQL)"


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@check("upload through app A, download through app B (a presigned S3 URL)")
def upload_download(c: Cluster, b: Browser):
    name = f"act-{int(time.time())}.pdf"
    response = b.post(
        "/documents/upload/",
        {"doc_type": "Акт"},
        via="app-a",
        form_path="/documents/uploaded/",
        files={"files": (name, PDF, "application/pdf")},
    )
    assert response.status_code == 302, f"upload answered {response.status_code}"
    doc_id = c.sql("SELECT id FROM documents_document WHERE original_name = %s", params=(name,))[0][0]
    link = b.get(f"/documents/{doc_id}/download/", via="app-b")
    assert link.status_code == 302, f"download answered {link.status_code}"
    url = link.headers["Location"]
    assert "X-Amz-Signature=" in url, url
    body = requests.get(url, timeout=10).content
    assert body == PDF, "the downloaded bytes differ"
    return f"document {doc_id}: B answered a presigned URL, {len(body)} bytes identical"


@check("the sign-in limit is shared: 5 failures on app A, the 6th try on app B is refused")
def shared_limit(c: Cluster, b: Browser):
    stranger = Browser(c)
    phone = "+79000000002"
    for _ in range(5):
        stranger.post("/login/", {"username": phone, "password": "wrong"}, via="app-a")
    refused = stranger.post("/login/", {"username": phone, "password": PASSWORD}, via="app-b")
    assert refused.status_code == 200 and "Слишком много" in refused.text, refused.status_code
    return "app B refused the right password after app A counted 5 failures"


@check("a page read goes to the replica; write-then-read in the same session sees the write")
def replica_reads(c: Cluster, b: Browser):
    reader = Browser(c)  # the same session without the short pin to the primary that b's writes set
    reader.cookies = {k: v for k, v in b.cookies.items() if k != "kb_primary"}
    page = reader.get("/documents/uploaded/")
    assert page.headers.get("X-Kabinet-Read") == "replica", page.headers.get("X-Kabinet-Read")
    before = c.sql("SELECT count(*) FROM pg_stat_database WHERE datname='kabinet'", which="pg2")
    assert before is not None
    writer = Browser(c)
    writer.sign_in()  # a fresh write replayed just before the pause: the lag stays under the limit meanwhile
    wait_until(lambda: not c.sql(LAG_SQL, which="pg2")[0][0], 5, "the replica replayed the sign-in")
    # Freeze the replica: what is written now is on the primary only.
    c.sql("SELECT pg_wal_replay_pause()", which="pg2")
    try:
        name = f"fresh-{int(time.time())}.pdf"
        response = writer.post(
            "/documents/upload/",
            {"doc_type": "Акт"},
            form_path="/documents/uploaded/",
            files={"files": (name, PDF, "application/pdf")},
        )
        assert response.status_code == 302
        mine = writer.get("/documents/uploaded/")
        assert mine.headers.get("X-Kabinet-Read") == "primary" and name in mine.text, "own write not seen"
        other = Browser(c)
        other.cookies = {k: v for k, v in writer.cookies.items() if k != "kb_primary"}
        stale = other.get("/documents/uploaded/")
        assert stale.headers.get("X-Kabinet-Read") == "replica" and name not in stale.text, "not read from replica"
    finally:
        c.sql("SELECT pg_wal_replay_resume()", which="pg2")
    fresh = wait_until(lambda: name in (r := other.get("/documents/uploaded/")).text and r, 10, "replica catches up")
    assert fresh.headers.get("X-Kabinet-Read") == "replica"
    return (
        "pages read the replica (X-Kabinet-Read: replica); with replay paused the writer saw its upload "
        "(pinned to the primary after the write), a browser without the pin did not until replay resumed"
    )


def _task_once(c: Cluster, path: str, trigger, done_sql: str) -> str:
    held_before = len(c.gateway.seen(path))
    c.gateway.held.clear()
    trigger()
    wait_until(c.gateway.held.is_set, 30, f"the worker reached {path}")
    killed_at = time.monotonic()
    c.kill9("worker")
    c.start_worker()
    wait_until(lambda: c.sql(done_sql)[0][0], 60, "the task completed after the restart", interval=0.2)
    recovered = time.monotonic() - killed_at
    keys = c.gateway.seen(path)[held_before:]
    distinct = set(keys)
    assert len(distinct) == 1, f"keys {keys}"
    delivered = sum(c.gateway.delivered[k] for k in distinct)
    assert delivered == 1
    assert len(keys) >= 2, "the worker finished before it was killed: nothing was tested"
    return (
        f"killed while the receiver held its request; completed {recovered:.1f} s after the kill; "
        f"{len(keys)} attempts with one idempotency key {keys[0]!r}, {len(keys) - 1} dropped by the key; "
        "delivered 1; lost 0, repeated 0"
    )


@check("kill -9 of the worker in the middle of sending an SMS: sent once, nothing lost")
def worker_kill_sms(c: Cluster, b: Browser):
    def trigger():
        c.manage(
            "shell",
            "-c",
            "from kabinet.accounts.services import sms_notify; "
            "print(sms_notify(phone='+79000000001', text='Платёж получен').pk)",
        )

    before = c.sql("SELECT coalesce(max(id), 0) FROM accounts_smsmessage")[0][0]
    figures = _task_once(
        c, "/sms/send", trigger, f"SELECT count(*) FROM accounts_smsmessage WHERE id > {before} AND status = 'sent'"
    )
    rows = c.sql(f"SELECT status, attempts FROM accounts_smsmessage WHERE id > {before}")
    assert rows == [("sent", rows[0][1])], rows
    return figures


@check("kill -9 of the worker in the middle of a webhook delivery: delivered once, nothing lost")
def worker_kill_webhook(c: Cluster, b: Browser):
    c.manage(
        "shell",
        "-c",
        "from kabinet.api.models import ApiToken; t, _ = ApiToken.issue(name='ERP', staff_wide=True); "
        f"t.webhook_url = 'http://127.0.0.1:{c.gateway.port}/hook'; t.save()",
    )
    before = c.sql("SELECT coalesce(max(id), 0) FROM api_webhookdelivery")[0][0]

    def trigger():
        name = f"hook-{int(time.time())}.pdf"
        response = b.post(
            "/documents/upload/",
            {"doc_type": "Акт"},
            form_path="/documents/uploaded/",
            files={"files": (name, PDF, "application/pdf")},
        )
        assert response.status_code == 302

    figures = _task_once(
        c, "/hook", trigger, f"SELECT count(*) FROM api_webhookdelivery WHERE id > {before} AND status = 'delivered'"
    )
    pending = c.sql(f"SELECT count(*) FROM api_webhookdelivery WHERE id > {before} AND status <> 'delivered'")[0][0]
    assert pending == 0
    return figures


@check("kill -9 of an app process mid-GET: nginx retries on the other one")
def app_kill_get(c: Cluster, b: Browser):
    b.cookies["kb_primary"] = "1"  # read on the primary, where the lock is
    lock = TableLock(c, "contracts_contract")
    inflight = InFlight(lambda: b.get("/contracts/"))
    try:
        inflight.start()
        first = wait_until(lambda: waiting_backends(c), 20, "the GET reached the database")
        victim = "app-a" if "app-a" in first[0][1] else "app-b"
        other = "app-b" if victim == "app-a" else "app-a"
        killed_at = time.monotonic()
        c.kill9(victim)
        wait_until(lambda: any(other in app for _, app in waiting_backends(c)), 20, "the retry reached the other app")
    finally:
        lock.release()
    inflight.join(30)
    assert inflight.response is not None and inflight.response.status_code == 200, (
        inflight.error or inflight.response.status_code
    )
    failover = inflight.finished_at - killed_at
    c.restart_app_after_kill(victim, killed_at)
    return f"{victim} killed; the same GET answered 200 by {other} {failover:.2f} s after the kill"


@check("kill -9 of an app process mid-POST: no retry, no half-written rows")
def app_kill_post(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    documents = c.sql("SELECT count(*) FROM documents_document")[0][0]
    token = b.csrf("/documents/uploaded/")
    # The upload writes the document, then the audit row, then the integration event, in one transaction:
    # hold the audit table so the request stops half-way.
    lock = TableLock(c, "audit_auditevent")
    name = f"half-{int(time.time())}.pdf"
    inflight = InFlight(
        lambda: b.request(
            "POST",
            "/documents/upload/",
            data={"doc_type": "Акт", "csrfmiddlewaretoken": token},
            files={"files": (name, PDF, "application/pdf")},
        )
    )
    try:
        inflight.start()
        first = wait_until(lambda: waiting_backends(c), 20, "the POST reached the database")
        victim = "app-a" if "app-a" in first[0][1] else "app-b"
        killed_at = time.monotonic()
        c.kill9(victim)
        inflight.join(30)
    finally:
        lock.release()
    status = inflight.response.status_code if inflight.response is not None else inflight.error
    assert status == 502, f"expected nginx's 502 (not retried), got {status}"
    time.sleep(0.5)
    after = c.sql("SELECT count(*) FROM documents_document")[0][0]
    assert after == documents, f"{after - documents} half-written document rows"
    c.restart_app_after_kill(victim, killed_at)
    return f"{victim} killed mid-transaction: 502 to the browser, not sent twice; document rows {documents} → {after}"


@check("Redis restarted: users stay signed in")
def redis_restart(c: Cluster, b: Browser):
    started = time.monotonic()
    c.redis.restart()
    page = b.get("/dashboard/")
    assert signed_in(page), page.status_code
    return f"Redis restarted empty; the next page 200 and signed in {time.monotonic() - started:.2f} s after"


@check("pg_terminate_backend mid-request: that request fails cleanly (503, retried by nginx), the next one works")
def terminate_backend(c: Cluster, b: Browser):
    b.cookies["kb_primary"] = "1"
    lock = TableLock(c, "contracts_contract")
    inflight = InFlight(lambda: b.get("/contracts/"))
    try:
        inflight.start()
        pid, app = wait_until(lambda: waiting_backends(c), 20, "the GET reached the database")[0]
        killed_at = time.monotonic()
        c.sql("SELECT pg_terminate_backend(%s)", params=(pid,))
        # The app answers the lost connection with its 503 page; nginx passes a GET's 503 to the other app
        # (proxy_next_upstream http_503), which waits on the lock in turn.
        retried = wait_until(
            lambda: not inflight.is_alive() or [a for p, a in waiting_backends(c) if p != pid] or None,
            20,
            "the GET answered or retried",
        )
    finally:
        lock.release()
    inflight.join(30)
    answer = inflight.response
    assert answer is not None, inflight.error
    assert answer.status_code == 200 or (answer.status_code == 503 and "Сервис временно недоступен" in answer.text), (
        answer.status_code
    )
    next_page = b.get("/contracts/")
    assert next_page.status_code == 200, next_page.status_code
    how = f"retried by nginx on {retried[0]}" if isinstance(retried, list) else "not retried"
    return (
        f"injected: the backend of {app} terminated; checked: that app answered its Russian 503 (the lost "
        f"connection), {how}: the browser got {answer.status_code} {inflight.finished_at - killed_at:.2f} s "
        "after the kill; the next request 200 on a new connection"
    )


@check("the replica stopped: pages served from the primary, /readyz says so")
def replica_down(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    stopped_at = time.monotonic()
    c.stop_replica()
    page = b.get("/dashboard/")
    first = time.monotonic() - stopped_at
    assert signed_in(page) and page.headers.get("X-Kabinet-Read") == "primary", page.headers.get("X-Kabinet-Read")
    ready = _get(f"http://127.0.0.1:{c.ports['app-a']}/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["checks"]["replica"]["status"] == "degraded", body
    c.start_replica()
    back = wait_until(lambda: b.get("/dashboard/").headers.get("X-Kabinet-Read") == "replica", 30, "replica back")
    return (
        f"first page after the stop 200 from the primary in {first:.2f} s; /readyz 200 "
        f"'{body['status']}' — replica: {body['checks']['replica']['detail']}; reads back on the replica "
        f"after restart: {bool(back)}"
    )


@check("JSON logs carry nginx's request id into the task the request queued; metrics on the internal path")
def logs_and_metrics(c: Cluster, b: Browser):
    def records(name: str) -> list[dict]:
        out = []
        for line in (c.dir / f"{name}.log").read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(line))
        return out

    lines = [r for app in ("app-a", "app-b") for r in records(app) if r.get("event") == "request"]
    uploads = {r["request_id"] for r in lines if r.get("method") == "POST" and r.get("path") == "/documents/upload/"}
    # nginx made the id (32 hex characters, its $request_id) and the app kept it: it came through a trusted proxy.
    assert uploads and all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in uploads), uploads
    doubled = [
        r
        for app in ("app-a", "app-b")
        for r in records(app)
        if r.get("event") in ("request_started", "request_finished")
    ]
    assert not doubled, f"{len(doubled)} extra request lines (one line per request expected)"
    started = [r for r in records("worker") if r.get("event") == "task_started" and r.get("request_id")]
    carried = [r for r in started if r["request_id"] in uploads]
    assert carried, f"no task_started line with an upload's request id ({len(started)} task lines)"
    metrics = _get(f"http://127.0.0.1:{c.ports['app-a']}/metrics")
    assert metrics.status_code == 200, metrics.status_code
    text = metrics.text
    for name in (
        "django_http_requests_latency_seconds_by_view_method",
        "kabinet_db_queries_per_request",
        "kabinet_task_queue_depth",
    ):
        assert name in text, f"{name} missing from /metrics"
    outside = b.get("/metrics")
    assert outside.status_code == 404, outside.status_code
    return (
        f"{len(carried)} worker task lines carry the request id of the upload that queued them "
        f"(e.g. {carried[0]['task']} ← {carried[0]['request_id'][:12]}…); /metrics on app A 200 "
        "(latency by view, queries per request, queue depth, summed over gunicorn workers); 404 through nginx"
    )


@check("secret links (feed, reset, invitation) leave no token in nginx's, gunicorn's or the app's logs")
def secrets_not_logged(c: Cluster, b: Browser):
    secrets_sent = [f"tok{n}-{os.urandom(6).hex()}" for n in range(3)]
    feed, reset, invitation = secrets_sent
    for path in (f"/calendar/{feed}.ics", f"/password/reset/MQ/{reset}/", f"/invitation/{invitation}/"):
        b.get(path)
    time.sleep(0.5)  # nginx and gunicorn write their access lines after the answer
    logs = {
        "nginx access": (c.dir / "nginx" / "logs" / "access.log").read_text(errors="replace"),
        **{name: (c.dir / f"{name}.log").read_text(errors="replace") for name in ("app-a", "app-b")},
    }
    leaked = [(name, secret) for name, text in logs.items() for secret in secrets_sent if secret in text]
    assert not leaked, leaked
    redacted = {name: text.count("[redacted]") for name, text in logs.items()}
    assert redacted["nginx access"] >= 3 and redacted["app-a"] + redacted["app-b"] >= 6, redacted
    return f"3 links, no token in any log; [redacted] lines: {redacted}"


@check("backup and restore: pg_dump + bucket copy restored elsewhere, every file opens; without files refused")
def backup_restore(c: Cluster, b: Browser):
    import boto3

    started = time.monotonic()
    backup = c.dir / "backup"
    backup.mkdir(mode=0o700)
    if c.pg_user:
        shutil.chown(backup, c.pg_user, c.pg_user)
    port = str(c.ports["pg1"])
    c.pg(
        "pg_dump", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-Fc", "-f", str(backup / "kabinet.dump"), "kabinet"
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{c.ports['s3']}",
        aws_access_key_id="kabinet",
        aws_secret_access_key="kabinet-secret",
        region_name="us-east-1",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="kabinet").get("Contents", [])]
    files = {key: s3.get_object(Bucket="kabinet", Key=key)["Body"].read() for key in keys}
    with psycopg.connect(c.dsn("pg1", "postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE kabinet_restored")
    c.pg("pg_restore", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "--no-owner", "-d", "kabinet_restored",
         str(backup / "kabinet.dump"))  # fmt: skip
    restored = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/kabinet_restored",
        "DATABASE_REPLICA_URL": "",
        "S3_BUCKET": "kabinet-restored",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=BASE_DIR, env={**c.env(), **restored},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    # The database restored, the bucket not yet: every file is reported missing, exit status 1.
    assert manage("create_bucket").returncode == 0
    empty = manage("verify_storage")
    reported = re.findall(r"^missing \S+ pk=\S+ (\S+)$", empty.stdout, re.M)
    assert empty.returncode == 1 and reported and set(reported) <= set(files), (empty.returncode, empty.stderr[-500:])
    for key, body in files.items():
        s3.put_object(Bucket="kabinet-restored", Key=key, Body=body)
    full = manage("verify_storage")
    assert full.returncode == 0, full.stdout[-1000:] + full.stderr[-1000:]
    # Every file the restored database names opens from the restored bucket with the original bytes.
    script = (
        "import hashlib, json; from kabinet.core.storage_check import file_fields, _rows\n"
        "out = {}\n"
        "for model, field in file_fields():\n"
        "    for name in _rows(model, field).values_list(field.name, flat=True):\n"
        "        with field.storage.open(name) as fh: out[name] = hashlib.sha256(fh.read()).hexdigest()\n"
        "print(json.dumps(out))"
    )
    opened = manage("shell", "-c", script)
    assert opened.returncode == 0, opened.stderr[-1000:]
    digests = json.loads(opened.stdout.strip().splitlines()[-1])
    assert digests and all(digests[k] == hashlib.sha256(files[k]).hexdigest() for k in digests), "bytes differ"
    return (
        f"{len(files)} objects, pg_dump/pg_restore + bucket copy in {time.monotonic() - started:.1f} s; "
        f"verify_storage: {len(reported)} missing before the files came back (exit 1), none after; "
        f"{len(digests)} files opened from the restored storage, bytes identical"
    )


LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


def _support_thread(b: Browser) -> int:
    page = b.get("/support/")
    found = re.findall(r'href="/support/(\d+)/"', page.text)
    assert found, f"no support thread on /support/ ({page.status_code})"
    return int(found[0])


class Load(threading.Thread):
    """A client sending requests in a loop until stopped: GETs of a page, or POSTs of support messages
    (each with a body of its own, so the rows can be matched to the answers)."""

    def __init__(self, c: Cluster, b: Browser, kind: str, tag: str, thread_id: int | None = None):
        super().__init__(daemon=True)
        self.c, self.kind, self.tag, self.thread_id = c, kind, tag, thread_id
        self.browser = Browser(c)
        self.browser.cookies = dict(b.cookies)
        self.stop = threading.Event()
        self.answers: list[tuple[str, int, str]] = []  # (body, status, excerpt)

    def run(self):
        token = self.browser.csrf(f"/support/{self.thread_id}/") if self.kind == "post" else ""
        n = 0
        while not self.stop.is_set():
            n += 1
            body = f"{self.tag}-{n}"
            try:
                if self.kind == "post":
                    response = self.browser.request(
                        "POST",
                        f"/support/{self.thread_id}/",
                        data={"body": body, "csrfmiddlewaretoken": token},
                        timeout=30,
                    )
                else:
                    response = self.browser.get("/dashboard/", timeout=30)
                self.answers.append((body, response.status_code, response.text[:3000]))
            except requests.RequestException as exc:
                self.answers.append((body, 0, str(exc)))

    def finish(self) -> list[tuple[str, int, str]]:
        self.stop.set()
        self.join(60)
        return self.answers


@check("PostgreSQL primary restarted (pg_ctl restart -m fast) mid-write: each message lands once or is refused")
def pg_restart_mid_write(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    thread_id = _support_thread(b)
    tag = f"pgrestart{int(time.time())}"
    loads = [Load(c, b, "post", f"{tag}{n}", thread_id) for n in range(2)]  # two clients writing
    for load in loads:
        load.start()
    time.sleep(1.5)
    restarted_at = time.monotonic()
    c.pg("pg_ctl", "-D", str(c.dir / "pg1"), "-l", str(c.dir / "pg1" / "log"), "-m", "fast", "-w", "restart")
    restart_took = time.monotonic() - restarted_at
    time.sleep(3)
    answers = [answer for load in loads for answer in load.finish()]
    statuses: dict[int, int] = {}
    for _, status, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    landed = [r[0] for r in c.sql("SELECT body FROM support_supportmessage WHERE body LIKE %s", params=(tag + "%",))]
    ok = {body for body, status, _ in answers if status == 302}
    refused = [(body, text) for body, status, text in answers if status == 503]
    assert set(statuses) <= {302, 503}, f"answers other than 302 or 503: {statuses}"
    assert all("Сервис временно недоступен" in text for _, text in refused), "a 503 without the Russian page"
    assert len(landed) == len(set(landed)), "a message stored twice"
    assert set(landed) == ok, f"rows {len(landed)} vs 302 answers {len(ok)}: {set(landed) ^ ok}"
    after = b.get(f"/support/{thread_id}/")
    assert after.status_code == 200, after.status_code
    return (
        f"injected: primary restarted in {restart_took:.1f} s under {len(answers)} POSTs; checked: answers "
        f"{statuses}, {len(landed)} rows = {len(ok)} 302 answers, 0 duplicates, every 503 the Russian page "
        "(«Сервис временно недоступен», retry), the next page 200"
    )


@check("Redis down for a compressed minute: sign-in and client pages answer, limits counted in PostgreSQL")
def redis_down_minute(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    c.redis.stop()
    started = time.monotonic()
    pages, sign_ins = 0, 0
    try:
        stranger = Browser(c)
        # A phone of its own: the one of the shared-limit scenario is refused before anything is counted.
        failed = stranger.post("/login/", {"username": "+79000000077", "password": "wrong"}, via="app-a")
        assert failed.status_code == 200, failed.status_code
        counted = c.sql("SELECT count(*) FROM kabinet_cache_fallback")[0][0]
        assert counted, "no rate-limit counter in the database"
        while time.monotonic() - started < 12:
            fresh = Browser(c)
            response = fresh.sign_in()
            assert response.status_code == 302, f"sign-in with Redis down answered {response.status_code}"
            sign_ins += 1
            for path in ("/dashboard/", "/contracts/", "/documents/", "/support/"):
                page = b.get(path)
                assert signed_in(page), f"{path}: {page.status_code}"
                pages += 1
    finally:
        c.redis.start()
        c.restart_dead(
            "worker", "extraction-worker", "scheduler"
        )  # RQ workers and the scheduler exit when Redis is gone
    down_for = time.monotonic() - started
    back = b.get("/dashboard/")
    assert signed_in(back)
    return (
        f"injected: Redis stopped for {down_for:.0f} s (CACHE_RETRY_AFTER=2 s: {down_for / 2:.0f} retry windows, a "
        f"minute's worth at the default 5 s... compressed); checked: {sign_ins} sign-ins 302, {pages} pages 200 "
        f"signed in, a failed sign-in counted in kabinet_cache_fallback ({counted} rows), signed in after Redis came back"
    )


def _workers(c: Cluster, app: str) -> set[int]:
    return set(descendants(c.procs[app].pid))


@check("rolling restart of app A then app B (SIGHUP, one at a time) under load: zero failed requests")
def rolling_restart(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    thread_id = _support_thread(b)
    tag = f"rolling{int(time.time())}"
    loads = [Load(c, b, "get", tag) for _ in range(3)] + [Load(c, b, "post", tag, thread_id)]
    for load in loads:
        load.start()
    time.sleep(1)
    replaced = {}
    for app in ("app-a", "app-b"):
        old = _workers(c, app)
        os.kill(c.procs[app].pid, signal.SIGHUP)
        wait_until(lambda old=old, app=app: old.isdisjoint(_workers(c, app)) and len(_workers(c, app)) >= 2, 60,
                   f"{app}'s workers replaced")  # fmt: skip
        wait_until(lambda app=app: _get(f"http://127.0.0.1:{c.ports[app]}/healthz").status_code == 200, 30, app)
        replaced[app] = len(old)
        time.sleep(1)
    answers = [a for load in loads for a in load.finish()]
    failures = [(status, text[:200]) for _, status, text in answers if status not in (200, 302)]
    assert not failures, f"{len(failures)} failed of {len(answers)}: {failures[:3]}"
    landed = c.sql("SELECT count(*) FROM support_supportmessage WHERE body LIKE %s", params=(tag + "-%",))[0][0]
    posted = sum(1 for body, status, _ in answers if status == 302)
    assert landed == posted, (landed, posted)
    return (
        f"injected: SIGHUP to app A, its {replaced['app-a']} workers replaced, then app B ({replaced['app-b']}); "
        f"checked: {len(answers)} requests (GET and POST) under way, 0 failed, {landed} messages = {posted} 302s"
    )


@check("replica lag past REPLICA_MAX_LAG_SECONDS (replay paused while writing): pages read the primary")
def replica_lag(c: Cluster, b: Browser):
    reader = Browser(c)
    reader.cookies = {k: v for k, v in b.cookies.items() if k != "kb_primary"}
    assert reader.get("/dashboard/").headers.get("X-Kabinet-Read") == "replica"
    thread_id = _support_thread(b)
    c.sql("SELECT pg_wal_replay_pause()", which="pg2")
    try:
        writer = Browser(c)
        writer.sign_in()
        token = writer.csrf(f"/support/{thread_id}/")

        def lagging():
            writer.request("POST", f"/support/{thread_id}/", data={"body": "lag", "csrfmiddlewaretoken": token})
            return c.sql(LAG_SQL, which="pg2")[0][0] > 9

        wait_until(lagging, 30, "the replica 9 s behind", interval=1)
        lag = float(c.sql(LAG_SQL, which="pg2")[0][0])
        page = wait_until(
            lambda: (r := reader.get("/dashboard/")).headers.get("X-Kabinet-Read") == "primary" and r, 5, "primary"
        )
        assert signed_in(page)
        ready = _get(f"http://127.0.0.1:{c.ports['app-a']}/readyz").json()
        replica = ready["checks"]["replica"]
        assert replica["status"] == "degraded" and replica["lag_seconds"] > 8, ready
    finally:
        c.sql("SELECT pg_wal_replay_resume()", which="pg2")
    wait_until(lambda: reader.get("/dashboard/").headers.get("X-Kabinet-Read") == "replica", 15, "back on the replica")
    return (
        f"injected: replay paused, writes went on until the replica was {lag:.1f} s behind (limit 8 s); checked: "
        f"pages read the primary (X-Kabinet-Read), /readyz replica degraded, {replica['lag_seconds']:.1f} s, "
        f"{replica['detail']!r}; "
        "after resume pages read the replica again"
    )


def _upload(b: Browser, name: str) -> requests.Response:
    return b.post(
        "/documents/upload/",
        {"doc_type": "Акт"},
        form_path="/documents/uploaded/",
        files={"files": (name, PDF, "application/pdf")},
    )


DISK_FULL = "Хранилище файлов переполнено"


def _start_small_media_app(c: Cluster, media: Path, budget: int) -> str:
    """A third app process whose files go to `media`: a tmpfs of `budget` bytes when mounting works here,
    else the folder with kabinet.testing.fulldisk (ENOSPC past `budget` bytes) installed before the fork."""
    media.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={budget}", "tmpfs", str(media)]
    try:
        mounted = subprocess.run(mount, capture_output=True, text=True, check=False).returncode == 0
    except OSError:  # no mount(8) here
        mounted = False
    extra = {"STORAGE_BACKEND": "filesystem", "MEDIA_ROOT": str(media), "PRIVATE_FILES_DELIVERY": "direct"}
    extra |= {"GUNICORN_WORKERS": "1"}
    if mounted:
        c.small_media = media
        c.start_app("app-disk", **extra)
        return f"a {budget // 1024} KB tmpfs mounted as MEDIA_ROOT"
    launcher = (
        "import sys; from kabinet.testing import fulldisk; "
        f"fulldisk.install({budget}); from gunicorn.app.wsgiapp import run; "
        "sys.argv = ['gunicorn', 'config.wsgi', '--config', 'deploy/gunicorn.conf.py']; run()"
    )
    c.spawn("app-disk", [PYTHON, "-c", launcher], c.env("app-disk") | extra)
    wait_for_port(c.ports["app-disk"], timeout=60)
    return f"MEDIA_ROOT full past {budget // 1024} KB (kabinet.testing.fulldisk: mounting is refused here)"


def _media_files(media: Path) -> dict[str, int]:
    return {str(f.relative_to(media)): f.stat().st_size for f in media.rglob("*") if f.is_file()}


@check("media disk full (a third app process on a small disk): the upload refused in words, nothing half written")
def disk_full(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    media = c.dir / "small-media"
    how = _start_small_media_app(c, media, 1024 * 1024)
    try:
        wait_until(lambda: _get(f"http://127.0.0.1:{c.ports['app-disk']}/healthz").status_code == 200, 30, "up")
        big = PDF + b"%" + b"0" * (600 * 1024)
        half = PDF + b"%" + b"1" * (300 * 1024)
        name = f"fits-{int(time.time())}.pdf"
        first = b.post(
            "/documents/upload/",
            {"doc_type": "Акт"},
            via="app-disk",
            form_path="/documents/uploaded/",
            files={"files": (name, big, "application/pdf")},
        )
        assert first.status_code == 302, first.status_code
        kept = _media_files(media)
        documents = c.sql("SELECT count(*) FROM documents_document")[0][0]
        refused, took = _timed(
            lambda: b.post(
                "/documents/upload/",
                {"doc_type": "Акт"},
                via="app-disk",
                form_path="/documents/uploaded/",
                files=[
                    ("files", ("half.pdf", half, "application/pdf")),
                    ("files", ("big.pdf", big, "application/pdf")),
                ],
            )
        )
        assert refused.status_code == 503 and DISK_FULL in refused.text, refused.status_code
        assert c.sql("SELECT count(*) FROM documents_document")[0][0] == documents, "rows of the refused upload"
        assert _media_files(media) == kept, f"files left half written: {set(_media_files(media)) - set(kept)}"
        pages = {
            path: b.get(path, via="app-disk").status_code
            for path in ("/dashboard/", "/contracts/", "/documents/uploaded/")
        }
        assert set(pages.values()) == {200}, pages
        doc_id = c.sql("SELECT id FROM documents_document WHERE original_name = %s", params=(name,))[0][0]
        download = b.get(f"/documents/{doc_id}/download/", via="app-disk")
        assert download.status_code == 200 and download.content == big, download.status_code
        free = shutil.disk_usage(media).free // 1024 if c.small_media else None
    finally:
        process = c.procs.pop("app-disk")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        unmounted = c.small_media is not None and not subprocess.run(["umount", str(media)], check=False).returncode
        if unmounted:
            c.small_media = None
    return (
        f"injected: {how}; checked: a 600 KB upload 302; then 300 KB + 600 KB in one upload: 503 "
        f"«{DISK_FULL}» in {took:.1f} s, no row, no file (the stored 300 KB one removed, the partial one too"
        f"{f'; {free} KB free' if free is not None else ''}); pages {pages}; the first file downloads whole"
    )


SLOW_STORAGE = "Хранилище файлов отвечает медленно"


def _bucket_keys(c: Cluster) -> set[str]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{c.ports['s3']}",
        aws_access_key_id="kabinet",
        aws_secret_access_key="kabinet-secret",
        region_name="us-east-1",
    )
    pages = client.get_paginator("list_objects_v2").paginate(Bucket="kabinet")
    return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


def _timed(func) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = func()
    return response, time.monotonic() - started


def _busy_logged(c: Cluster) -> int:
    logs = [c.dir / f"{app}.log" for app in ("app-a", "app-b")]
    return sum(path.read_text(errors="replace").count("file storage busy") for path in logs if path.exists())


@check(
    "S3 slow (a delaying proxy before it): uploads and a ZIP end in the Russian 503 «отвечает медленно», "
    "pages keep answering at once, the workers are never all inside S3"
)
def s3_slow(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    documents = c.sql("SELECT count(*) FROM documents_document")[0][0]
    doc_id = c.sql("SELECT id FROM documents_document WHERE original_name LIKE 'act-%%' ORDER BY id LIMIT 1")[0][0]
    keys = _bucket_keys(c)
    token = b.csrf("/documents/uploaded/")
    busy_before = _busy_logged(c)
    uploads = 12  # 2 apps × 2 workers × 4 threads = 16 threads; at most 2 × 4 = 8 of them inside S3

    def upload(n: int) -> requests.Response:
        return Browser.copy(b).request(
            "POST",
            "/documents/upload/",
            data={"doc_type": "Акт", "csrfmiddlewaretoken": token},
            files={"files": (f"slow-{n}.pdf", PDF, "application/pdf")},
        )

    # Every call the apps make to S3 now waits 30 s before it reaches moto: longer than the apps wait
    # (2 tries of connect 1 s + 100-continue 1 s + read 3 s), so none reaches it.
    c.s3proxy.slow(hold=30)
    try:
        slow = [InFlight(lambda n=n: upload(n)) for n in range(uploads)]
        started = time.monotonic()
        for flight in slow:
            flight.start()
        time.sleep(1.5)
        pages: list[tuple[str, int, float]] = []
        while any(f.is_alive() for f in slow) and len(pages) < 40:
            for via in ("nginx", "app-a", "app-b"):
                for path in ("/dashboard/", "/contracts/"):
                    page, took = _timed(lambda path=path, via=via: b.get(path, via=via, timeout=30))
                    pages.append((f"{via}{path}", page.status_code, took))
        link, link_took = _timed(lambda: b.get(f"/documents/{doc_id}/download/"))
        for flight in slow:
            flight.join(60)
        zipped, zip_took = _timed(
            lambda: b.post("/documents/zip/", {"tab": "incoming", "ids": str(doc_id)}, form_path="/documents/")
        )
        reached, peak = c.s3proxy.reached, c.s3proxy.held_peak
    finally:
        c.s3proxy.fast()
    answers = [
        (f.response.status_code, f.finished_at - started) if f.response is not None else (f.error, 0) for f in slow
    ]
    assert all(code == 503 for code, _ in answers), answers
    assert all(SLOW_STORAGE in f.response.text and f.response.headers.get("Retry-After") for f in slow)
    # A refused upload waited STORAGE_WAIT_TIMEOUT (1 s); one inside S3 two tries of 1 + 1 + 3 s.
    refused = sorted(round(t, 1) for _, t in answers if t < 6)
    timed_out = sorted(round(t, 1) for _, t in answers if t >= 6)
    busy = _busy_logged(c) - busy_before
    # 2 apps × 2 workers × STORAGE_MAX_CALLS 2, and the two task workers' own calls at most.
    assert peak <= 8 + 2, f"{peak} S3 calls at once"
    assert {code for _, code, _ in pages} == {200}, pages
    slowest = max(pages, key=lambda p: p[2])
    assert slowest[2] < 5, f"a page waited {slowest[2]:.1f} s behind the slow S3: {slowest}"
    assert link.status_code == 302 and link_took < 5, (link.status_code, link_took)
    assert zipped.status_code == 503 and SLOW_STORAGE in zipped.text, zipped.status_code
    after = c.sql("SELECT count(*) FROM documents_document")[0][0]
    assert after == documents, f"{after - documents} rows of uploads that never reached S3"
    assert _bucket_keys(c) == keys, "objects left in the bucket"
    assert reached == 0, f"{reached} calls reached S3"
    assert _upload(b, "after-slow-s3.pdf").status_code == 302
    latencies = sorted(took for _, _, took in pages)
    return (
        f"injected: every S3 call of the apps held 30 s by the proxy; {uploads} concurrent uploads; checked: "
        f"all 503 «{SLOW_STORAGE}» with Retry-After — {busy} refused by the storage bound (the apps' log), "
        f"answered after {refused} s; {len(timed_out)} timed out inside S3 after {timed_out} s; at most {peak} "
        f"S3 calls at once (bound 2 per worker); meanwhile {len(pages)} page "
        f"loads (main page, contracts; nginx, A, B) all 200, median {latencies[len(latencies) // 2]:.2f} s, "
        f"slowest {slowest[2]:.2f} s ({slowest[0]}); a download link 302 (presigned) in {link_took:.2f} s; "
        f"a ZIP 503 in {zip_took:.1f} s; no row, no object, 0 calls reached S3; uploads work again after"
    )


def _readable_pdf() -> bytes:
    import io

    import pypdfium2

    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(100, 100)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _extraction(c: Cluster, doc_id: int) -> tuple[str, int]:
    return tuple(c.sql("SELECT text_status, text_attempts FROM documents_document WHERE id = %s", params=(doc_id,))[0])


def _kill_extraction_mid_run(c: Cluster, doc_id: int, attempt: int) -> None:
    """Start the extraction worker with S3 frozen: the run claims its attempt, then hangs reading the file;
    kill -9 it."""
    c.start_worker(("extraction-worker",))
    wait_until(lambda: _extraction(c, doc_id)[1] >= attempt, 40, f"extraction attempt {attempt} started")
    c.kill9("extraction-worker")


@check("text extraction killed mid-run (kill -9 of the worker): queued once more, then marked «текст не извлечён»")
def extraction_killed(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    c.restart_dead("worker", "extraction-worker", "scheduler")
    queue = redis_client.Redis.from_url(c.redis.url)
    wait_until(lambda: queue.llen("rq:queue:extraction") == 0, 90, "the queue drained", interval=0.5)
    s3 = c.procs["s3"].pid
    started = time.monotonic()

    def upload(label: str) -> int:
        c.kill9("extraction-worker")  # the upload's extraction task waits in its queue
        name = f"extract-{label}-{int(time.time())}.pdf"
        response = b.post(
            "/documents/upload/",
            {"doc_type": "Акт"},
            form_path="/documents/uploaded/",
            files={"files": (name, _readable_pdf(), "application/pdf")},
        )
        assert response.status_code == 302, response.status_code
        return c.sql("SELECT id FROM documents_document WHERE original_name = %s", params=(name,))[0][0]

    def killed_runs(doc_id: int, runs: int) -> None:
        os.kill(s3, signal.SIGSTOP)  # each run claims its attempt, then hangs reading the file
        try:
            for attempt in range(1, runs + 1):
                _kill_extraction_mid_run(c, doc_id, attempt)
        finally:
            os.kill(s3, signal.SIGCONT)
        c.start_worker(("extraction-worker",))

    # Killed once: the sweep queues it again and the second run completes.
    retried_id = upload("retried")
    killed_runs(retried_id, 1)
    retried = wait_until(lambda: (e := _extraction(c, retried_id))[0] == "extracted" and e, 40, "the retry completed")
    # Killed in both of its runs: marked.
    marked_id = upload("marked")
    killed_runs(marked_id, 2)
    marked = wait_until(lambda: (e := _extraction(c, marked_id))[0] == "failed" and e, 40, "marked")
    assert retried == ("extracted", 2) and marked == ("failed", 2), (retried, marked)
    listed = b.get("/documents/uploaded/")
    assert listed.status_code == 200 and "extract-marked" in listed.text
    return (
        f"injected: 3 kill -9 of the extraction worker mid-extraction (S3 frozen so each run hung reading its file); "
        f"checked: document {retried_id} killed once → queued again by the sweep → {retried[0]} after "
        f"{retried[1]} runs; document {marked_id} killed twice → {marked[0]} («текст не извлечён») after "
        f"{marked[1]} runs, still listed; {time.monotonic() - started:.1f} s"
    )


@check("S3 down (moto killed): pages and presigned links answer, an upload is a Russian 503 with no row")
def s3_down(c: Cluster, b: Browser):
    b.cookies.pop("kb_primary", None)
    doc_id = c.sql("SELECT id FROM documents_document ORDER BY id DESC LIMIT 1")[0][0]
    documents = c.sql("SELECT count(*) FROM documents_document")[0][0]
    c.kill9("s3")
    upload = _upload(b, "s3-down.pdf")
    assert upload.status_code == 503 and "Сервис временно недоступен" in upload.text, upload.status_code
    assert c.sql("SELECT count(*) FROM documents_document")[0][0] == documents
    link = b.get(f"/documents/{doc_id}/download/")
    assert link.status_code == 302, link.status_code
    pages = {path: b.get(path).status_code for path in ("/dashboard/", "/documents/", "/contracts/")}
    assert set(pages.values()) == {200}, pages
    return (
        f"injected: moto killed; checked: upload 503 (Russian page), no row; download link 302 (presigned, no S3 "
        f"call); pages {pages}"
    )


def main() -> int:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return 0
    cluster = Cluster()
    try:
        cluster.up()
        browser = Browser(cluster)
        print("\nScenarios:", flush=True)
        scenarios = (
            shared_session,
            upload_download,
            shared_limit,
            replica_reads,
            worker_kill_sms,
            worker_kill_webhook,
            app_kill_get,
            app_kill_post,
            redis_restart,
            terminate_backend,
            replica_down,
            logs_and_metrics,
            secrets_not_logged,
            backup_restore,
            pg_restart_mid_write,
            redis_down_minute,
            rolling_restart,
            replica_lag,
            s3_slow,
            extraction_killed,
            s3_down,
            # Last: its one stored upload names a file on a disk that is gone afterwards.
            disk_full,
        )
        # TEST_PROD_ONLY=name,name runs the first scenario (it signs in) and those named (a quicker loop).
        only = set(filter(None, os.environ.get("TEST_PROD_ONLY", "").split(",")))
        for scenario in scenarios:
            if not only or scenario is shared_session or scenario.__name__ in only:
                scenario(cluster, browser)
    except Exception:
        traceback.print_exc()
        RESULTS.append((False, "start-up", "the cluster did not start"))
        for name in ("app-a", "app-b", "worker", "scheduler", "nginx"):
            print(f"--- {name} log ---\n{cluster.tail(name)}")
    finally:
        if any(not ok for ok, _, _ in RESULTS):
            for name in ("app-a", "app-b", "worker", "scheduler"):
                print(f"--- {name} log (last lines) ---\n{cluster.tail(name, 15)}")
        cluster.down()
    passed = sum(ok for ok, _, _ in RESULTS)
    failed = len(RESULTS) - passed
    print(f"\nwhole run {time.monotonic() - T0:.0f} s")
    print(f"test-prod: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
