"""gunicorn settings for the container and the systemd units (environment overrides each one).

Read through config/env.py like every other variable (typed, `_FILE` works, listed in docs/settings.md).
"""

import shutil
import sys
from pathlib import Path

# gunicorn reads this file before it puts the working directory on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.env import env_int, env_str

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
workers = env_int("GUNICORN_WORKERS", 3)
# More than one thread: gunicorn's gthread worker. A request waiting on a slow S3 holds one thread; at most
# STORAGE_MAX_CALLS (fewer, checked at start) of a worker's threads wait on the storage at once, so every
# worker keeps threads free for the pages (kabinet/core/storage_limit.py). Each thread has its own
# database connection: count workers × threads per process against PostgreSQL's max_connections.
threads = env_int("GUNICORN_THREADS", 4)
# Longer than nginx's proxy_read_timeout is pointless; a PDF or a ZIP of documents may take a while.
# The database's statement timeout (DB_STATEMENT_TIMEOUT) is shorter, so a slow query ends the request
# with an error the app logs instead of gunicorn killing the worker without a word.
timeout = env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a leak in a library cannot grow without bound).
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The access log's request line and referer with secret tokens redacted (calendar feed, password reset,
# invitation links), and the request id the app logs too.
logger_class = "config.access_log.RedactingLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}i)s'
# Two instances on one host (kabinet-web@8001, @8002) would fight over one default control socket.
control_socket_disable = True
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    # prometheus_client's multiprocess mode: start from an empty folder at each start.
    if PROMETHEUS_MULTIPROC_DIR:
        shutil.rmtree(PROMETHEUS_MULTIPROC_DIR, ignore_errors=True)
        Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # The first PDF of a process imports WeasyPrint and loads the fonts (~1 s): paid here, as the worker
    # starts (and again after each recycling), not by the client who issues the first invoice.
    from kabinet.core.pdf import warm_up

    try:
        warm_up()
    except Exception:  # a PDF that cannot be made fails its own request, where the error is logged
        worker.log.exception("PDF engine warm-up failed")
