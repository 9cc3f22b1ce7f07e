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
  the replica stopped (pages from the primary, /readyz says so).
The last line is `test-prod: N passed, M failed`; the exit code is 1 when anything failed.
"""

from __future__ import annotations

import contextlib
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
import requests
import urllib3

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from kabinet.testing.services import RedisServer, free_port, wait_for_port  # noqa: E402

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
        self.ports = {name: free_port() for name in ("pg1", "pg2", "s3", "app-a", "app-b", "http", "https", "redis")}
        self.redis = RedisServer(self.ports["redis"])
        self.gateway = Gateway()
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
            "REPLICA_MAX_LAG_SECONDS": "600",
            "REDIS_URL": self.redis.url,
            "TASKS_BACKEND": "django_tasks_rq.RQBackend",
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "kabinet",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
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
            "OUTBOX_LEASE": "8",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "GUNICORN_WORKERS": "2",
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

    def start_app(self, app: str) -> None:
        self.spawn(app, [GUNICORN, "config.wsgi", "--config", "deploy/gunicorn.conf.py"], self.env(app))
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

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [PYTHON, "manage.py", "rqworker", "default", "--with-scheduler", "--job-class", "django_tasks_rq.Job"],
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
        template = (BASE_DIR / "deploy" / "nginx" / "kabinet.conf.template").read_text()
        site = envsubst(
            template,
            KABINET_APP_A=f"127.0.0.1:{self.ports['app-a']}",
            KABINET_APP_B=f"127.0.0.1:{self.ports['app-b']}",
            KABINET_SERVER_NAME="127.0.0.1",
            KABINET_HTTP_PORT=f"127.0.0.1:{self.ports['http']}",
            KABINET_HTTPS_PORT=f"127.0.0.1:{self.ports['https']}",
            KABINET_TLS_CERT=str(ngx / "cert.pem"),
            KABINET_TLS_KEY=str(ngx / "key.pem"),
            KABINET_MAX_BODY="210m",
            KABINET_STATIC_ROOT=str(BASE_DIR / "staticfiles"),
            KABINET_MEDIA_ROOT=str(self.dir / "var" / "media"),
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
        log(f"Redis :{self.ports['redis']}, moto S3 :{self.ports['s3']}, gateway :{self.gateway.port}")
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


def envsubst(template: str, **values: str) -> str:
    """What the nginx image does to /etc/nginx/templates/*.template: ${NAME} from the environment, nothing
    else (nginx's own $variables stay). A placeholder without a value is an error."""
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: values[m.group(1)], template)


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
    # Freeze the replica: what is written now is on the primary only.
    c.sql("SELECT pg_wal_replay_pause()", which="pg2")
    try:
        name = f"fresh-{int(time.time())}.pdf"
        writer = Browser(c)
        writer.sign_in()
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


@check("pg_terminate_backend mid-request: that request fails cleanly, the next one works")
def terminate_backend(c: Cluster, b: Browser):
    b.cookies["kb_primary"] = "1"
    lock = TableLock(c, "contracts_contract")
    inflight = InFlight(lambda: b.get("/contracts/"))
    try:
        inflight.start()
        pid = wait_until(lambda: waiting_backends(c), 20, "the GET reached the database")[0][0]
        killed_at = time.monotonic()
        c.sql("SELECT pg_terminate_backend(%s)", params=(pid,))
        inflight.join(30)
    finally:
        lock.release()
    failed = inflight.response
    assert failed is not None and failed.status_code == 500, failed.status_code if failed is not None else None
    next_page = b.get("/contracts/")
    assert next_page.status_code == 200, next_page.status_code
    return (
        f"the request answered 500 (the error page) {inflight.finished_at - killed_at:.2f} s after the "
        "kill; the next request 200 on a new connection"
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

    uploads = {
        r["request_id"]
        for app in ("app-a", "app-b")
        for r in records(app)
        if r.get("event") == "request_finished" and "POST /documents/upload/" in str(r.get("request"))
    }
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


def main() -> int:
    cluster = Cluster()
    try:
        cluster.up()
        browser = Browser(cluster)
        print("\nScenarios:", flush=True)
        for scenario in (
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
        ):
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
