"""The deployment files in deploy/ say what the code does.

There is no Docker engine on this machine, so `docker compose config` is not run: compose.yaml is
checked against a JSON Schema of the Compose keys it uses (a subset of the Compose specification,
unknown keys refused), and against the project: every command exists, every nginx placeholder is
given, the body limit covers the upload limit, the env example sets only what the settings read.
nginx itself checks the rendered template (`nginx -t`), as `make test-prod` does before serving with it.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"

_STRINGS = {"type": "array", "items": {"type": "string"}}
_HEALTHCHECK = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "test": {"oneOf": [{"type": "string"}, _STRINGS]},
        "interval": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
        "timeout": {"type": "string", "pattern": r"^\d+(ms|s|m|h)$"},
        "retries": {"type": "integer", "minimum": 1},
        "start_period": {"type": "string"},
        "disable": {"type": "boolean"},
    },
}
SERVICE = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
    "properties": {
        "image": {"type": "string"},
        "build": {
            "type": "object",
            "additionalProperties": False,
            "required": ["context"],
            "properties": {"context": {"type": "string"}, "dockerfile": {"type": "string"}},
        },
        "command": {"oneOf": [{"type": "string"}, _STRINGS]},
        "entrypoint": {"oneOf": [{"type": "string"}, _STRINGS]},
        "env_file": {"oneOf": [{"type": "string"}, _STRINGS]},
        "environment": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "ports": {"type": "array", "items": {"type": "string", "pattern": r"^\d+:\d+$"}},
        "volumes": {"type": "array", "items": {"type": "string", "pattern": r"^[^:]+:[^:]+(:ro)?$"}},
        "depends_on": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["condition"],
                "properties": {
                    "condition": {"enum": ["service_started", "service_healthy", "service_completed_successfully"]}
                },
            },
        },
        "healthcheck": _HEALTHCHECK,
        "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
        "secrets": _STRINGS,
    },
}
COMPOSE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "required": ["services"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
        "services": {"type": "object", "additionalProperties": SERVICE},
        "volumes": {"type": "object", "additionalProperties": {"type": ["object", "null"]}},
        "secrets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["file"],
                "properties": {"file": {"type": "string"}},
            },
        },
    },
}


def command_exists(name: str) -> bool:
    # rqworker comes from django_rq, installed when TASKS_BACKEND is RQ (not in the test settings).
    if name == "rqworker":
        return importlib.util.find_spec("django_rq.management.commands.rqworker") is not None
    return name in get_commands()


def compose() -> dict:
    # safe_load resolves the `<<: *app` merge keys the way Compose does.
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_matches_the_compose_schema():
    jsonschema.validate(compose(), COMPOSE_SCHEMA)


def test_compose_has_every_part_of_the_production_shape():
    services = compose()["services"]
    assert {"nginx", "app1", "app2", "worker", "scheduler", "postgres", "redis", "minio"} <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on an unknown service {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in compose()["volumes"], f"{name}: undeclared volume {source}"
        for secret in service.get("secrets", []):
            assert secret in compose()["secrets"]


def test_compose_commands_are_real_management_commands():
    for name in ("migrate", "worker", "scheduler"):
        command = compose()["services"][name]["command"]
        assert command[:2] == ["python", "manage.py"]
        assert command_exists(command[2]), f"{name}: manage.py {command[2]} does not exist"
    worker = compose()["services"]["worker"]["command"]
    assert worker[worker.index("--job-class") + 1] == "django_tasks_rq.Job"


def test_every_nginx_placeholder_is_given_by_compose():
    template = (DEPLOY / "nginx" / "kabinet.conf.template").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z_]+)\}", template))
    given = set(compose()["services"]["nginx"]["environment"])
    assert placeholders and placeholders <= given, placeholders - given


def _bytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", size.lower())
    assert match
    number, unit = match.groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit]


def test_nginx_body_limit_covers_the_upload_and_api_limits():
    limit = _bytes(compose()["services"]["nginx"]["environment"]["KABINET_MAX_BODY"])
    uploads = settings.DOCUMENT_UPLOAD_MAX_BYTES * settings.DOCUMENT_UPLOAD_MAX_FILES
    assert limit >= uploads and limit >= settings.API_MAX_BODY_BYTES
    # …and not wildly more (a body the app refuses anyway should stop at nginx).
    assert limit <= uploads * 1.1


def test_the_env_example_sets_only_what_something_reads():
    settings_source = (Path(settings.BASE_DIR) / "config" / "settings.py").read_text()
    gunicorn_source = (DEPLOY / "gunicorn.conf.py").read_text()
    compose_file = (DEPLOY / "compose.yaml").read_text()
    names = [
        line.split("=", 1)[0]
        for line in (DEPLOY / "kabinet.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for name in names:
        assert f'"{name}"' in settings_source or f'"{name}"' in gunicorn_source or name.startswith("MINIO_"), (
            f"{name} is read by nothing"
        )
        if name.startswith("MINIO_"):
            assert "minio" in compose_file
    assert "SECRET_KEY" in names and "DATABASE_URL" in names and "REDIS_URL" in names


def test_dockerfile_is_multi_stage_non_root_with_static_files_and_translations_baked_in():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM .+ AS \w+$", dockerfile, re.M)) >= 3
    assert re.search(r"^USER 10001$", dockerfile, re.M)
    assert "collectstatic --noinput" in dockerfile and "compilemessages" in dockerfile
    assert "deploy/gunicorn.conf.py" in dockerfile and (DEPLOY / "gunicorn.conf.py").exists()


def test_systemd_units_run_existing_commands_as_an_unprivileged_user():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} == {"kabinet-web@.service", "kabinet-worker.service", "kabinet-scheduler.service"}
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(unit)
        service = parser["Service"]
        assert service["User"] == "kabinet"
        assert service["Restart"] == "always"
        exec_start = service["ExecStart"].split()
        if "manage.py" in exec_start:
            assert command_exists(exec_start[exec_start.index("manage.py") + 1])
    target = (DEPLOY / "systemd" / "kabinet.target").read_text()
    assert "kabinet-worker.service" in target and "kabinet-web@8001.service" in target


def _nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed: apt-get install nginx")
    return nginx


def _render_nginx(tmp_path: Path, **overrides: str) -> tuple[str, Path]:
    subprocess.run(  # noqa: S603
        [  # noqa: S607 — openssl from PATH
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=kabinet.test",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    values = {**compose()["services"]["nginx"]["environment"]}
    values |= {
        "KABINET_APP_A": "127.0.0.1:8001",
        "KABINET_APP_B": "127.0.0.1:8002",
        "KABINET_HTTP_PORT": "127.0.0.1:18080",
        "KABINET_HTTPS_PORT": "127.0.0.1:18443",
        "KABINET_TLS_CERT": str(tmp_path / "cert.pem"),
        "KABINET_TLS_KEY": str(tmp_path / "key.pem"),
        **overrides,
    }
    template = (DEPLOY / "nginx" / "kabinet.conf.template").read_text()
    site = re.sub(r"\$\{([A-Z_]+)\}", lambda m: str(values[m.group(1)]), template)
    (tmp_path / "kabinet.conf").write_text(site)
    for sub in ("logs", "scratch"):
        (tmp_path / sub).mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {tmp_path}/scratch/b;"
        f" proxy_temp_path {tmp_path}/scratch/p; fastcgi_temp_path {tmp_path}/scratch/f;"
        f" uwsgi_temp_path {tmp_path}/scratch/u;"
        f" scgi_temp_path {tmp_path}/scratch/s; include {tmp_path}/kabinet.conf; }}\n"
    )
    return site, tmp_path / "nginx.conf"


def test_nginx_accepts_the_rendered_template(tmp_path):
    nginx = _nginx()
    site, conf = _render_nginx(tmp_path)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert "internal;" in site and "max-age=31536000" in site


def test_nginx_serves_a_private_file_only_through_the_apps_x_accel_redirect(tmp_path):
    """PRIVATE_FILES_DELIVERY=x-accel: the app answers the access check with X-Accel-Redirect and nginx
    sends the file from MEDIA_ROOT; the internal location itself is not reachable from outside."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests
    import urllib3

    from kabinet.testing.services import free_port, wait_for_port

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "act.pdf").write_bytes(b"%PDF-1.4 private")

    class App(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("X-Accel-Redirect", "/protected-media/documents/act.pdf")
            self.send_header("Content-Disposition", 'attachment; filename="act.pdf"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    app = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    upstream = f"127.0.0.1:{app.server_address[1]}"
    https = free_port()
    _, conf = _render_nginx(
        tmp_path,
        KABINET_APP_A=upstream,
        KABINET_APP_B=upstream,
        KABINET_HTTP_PORT=f"127.0.0.1:{free_port()}",
        KABINET_HTTPS_PORT=f"127.0.0.1:{https}",
        KABINET_MEDIA_ROOT=str(media),
    )
    nginx = subprocess.Popen(  # noqa: S603
        [_nginx(), "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    try:
        wait_for_port(https)
        base = f"https://127.0.0.1:{https}"
        download = requests.get(f"{base}/documents/1/download/", verify=False, timeout=10)  # noqa: S501
        assert download.status_code == 200
        assert download.content == b"%PDF-1.4 private"
        assert download.headers["Content-Disposition"] == 'attachment; filename="act.pdf"'
        direct = requests.get(f"{base}/protected-media/documents/act.pdf", verify=False, timeout=10)  # noqa: S501
        assert direct.status_code == 404
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.shutdown()
