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
import sys
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
        "user": {"type": "string", "pattern": r"^\d+(:\d+)?$"},
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
    uploads = min(
        settings.DOCUMENT_UPLOAD_MAX_TOTAL_BYTES,
        settings.DOCUMENT_UPLOAD_MAX_BYTES * settings.DOCUMENT_UPLOAD_MAX_FILES,
    )
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
    assert {u.name for u in units} == {
        "kabinet-web@.service",
        "kabinet-worker.service",
        "kabinet-extraction-worker.service",
        "kabinet-scheduler.service",
    }
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


def nginx_environment() -> dict[str, str]:
    """compose's environment of the nginx service, with compose's own `${NAME:-default}` interpolated."""
    environment = compose()["services"]["nginx"]["environment"]
    return {k: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(v)) for k, v in environment.items()}


def render_nginx(values: dict, *, expect_failure: bool = False) -> str:
    """deploy/render-nginx run as the README says: the variables in its environment, the site on stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABINET_")}
    result = subprocess.run(  # noqa: S603 — our own script
        [sys.executable, str(DEPLOY / "render-nginx")],
        env={**env, **{k: str(v) for k, v in values.items()}},
        capture_output=True,
        text=True,
        timeout=30,
    )
    if expect_failure:
        assert result.returncode != 0 and not result.stdout
        return result.stderr
    assert result.returncode == 0, result.stderr
    return result.stdout


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
    values = nginx_environment()
    values |= {
        "KABINET_APP_A": "127.0.0.1:8001",
        "KABINET_APP_B": "127.0.0.1:8002",
        "KABINET_HTTP_PORT": "127.0.0.1:18080",
        "KABINET_HTTPS_PORT": "127.0.0.1:18443",
        "KABINET_TLS_CERT": str(tmp_path / "cert.pem"),
        "KABINET_TLS_KEY": str(tmp_path / "key.pem"),
        "KABINET_ACCESS_LOG": str(tmp_path / "logs" / "access.log"),
        **overrides,
    }
    site = render_nginx(values)
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

    request_ids: list[str] = []

    class App(BaseHTTPRequestHandler):
        def do_GET(self):
            request_ids.append(self.headers.get("X-Request-ID", ""))
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
        # nginx's access log keeps no secret of a link, in the request line or the referer; a reset link's
        # set-password step (no secret) and nginx's own request id stay.
        headers = {"Referer": f"{base}/invitation/tok-referer-4/", "X-Request-ID": "forged"}
        for path in (
            "/calendar/tok-feed-1.ics",
            "/invitation/tok-invite-2/",
            "/password/reset/MQ/tok-reset-3/",
            "/password/reset/MQ/set-password/",
        ):
            requests.get(f"{base}{path}", verify=False, timeout=10, headers=headers)  # noqa: S501
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.shutdown()
    access = (tmp_path / "logs" / "access.log").read_text()
    assert "tok-" not in access, access
    assert access.count("[redacted]") == 7 and "/password/reset/MQ/set-password/" in access
    assert re.search(r"request_id=[0-9a-f]{32}", access)
    # The app got nginx's own request id, never the one the client sent.
    assert request_ids and "forged" not in request_ids
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in request_ids), request_ids


# --- Recipes as written: the nginx renderer, the image's build context, compose, systemd, installs ----


def test_render_nginx_names_every_variable_and_fails_on_a_missing_one(tmp_path):
    values = nginx_environment()
    needed = subprocess.run(  # noqa: S603
        [sys.executable, str(DEPLOY / "render-nginx"), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    template = (DEPLOY / "nginx" / "kabinet.conf.template").read_text()
    assert sorted(needed) == sorted(set(re.findall(r"\$\{([A-Z_]+)\}", template)))
    assert len(needed) == 11
    # Every placeholder filled in, nginx's own $variables (and the maps' ${head}) untouched.
    site = render_nginx(values)
    assert "${KABINET" not in site and "$kabinet_logged_uri" in site and "${head}[redacted]${tail}" in site
    # One missing (or empty): nothing is written and the message names it.
    for name in ("KABINET_TLS_KEY", "KABINET_MEDIA_ROOT"):
        message = render_nginx({k: v for k, v in values.items() if k != name}, expect_failure=True)
        assert name in message
    assert "KABINET_APP_B" in render_nginx({**values, "KABINET_APP_B": ""}, expect_failure=True)


def _dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as Docker reads it: paths from the context root, `*` within a name, `**` across
    folders, `!` re-includes, the last matching rule wins, and a rule matching a folder covers its files."""
    rules = []
    for raw in (DEPLOY.parent / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        rules.append((negate, re.compile(f"^{regex}(?:/.*)?$")))
    return rules


def in_build_context(path: str, rules) -> bool:
    included = True
    for negate, regex in rules:
        if regex.match(path):
            included = negate
    return included


def test_the_image_build_context_holds_no_secret():
    """compose builds from the repository root; what .dockerignore lets through lands in the image layers."""
    rules = _dockerignore_rules()
    for secret in (
        "deploy/kabinet.env",
        "deploy/secrets/postgres_password",
        "deploy/tls/privkey.pem",
        "deploy/tls/fullchain.pem",
        ".env",
        "config/.env",
        "var/db.sqlite3",
        "var/media/documents/1/a.pdf",
        ".git/config",
        ".venv/bin/python",
    ):
        assert not in_build_context(secret, rules), f"{secret} would be copied into the image"
    root = DEPLOY.parent
    context = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and in_build_context(str(path.relative_to(root)), rules)
    ]
    for needed in ("manage.py", "config/settings.py", "requirements.txt", "requirements-prod.txt",
                   "package.json", "deploy/gunicorn.conf.py", "locale/ru/LC_MESSAGES/django.po"):  # fmt: skip
        assert needed in context, f"{needed} is missing from the build context"
    leaked = [p for p in context if p.startswith(("deploy/secrets", "deploy/tls")) or p.endswith((".env", ".pem"))]
    assert not leaked


def test_compose_images_are_pinned():
    for name, service in compose()["services"].items():
        image = service["image"]
        if image.startswith("kabinet:"):
            assert image == "kabinet:local", "the portal's own image is built by compose"
            continue
        _, _, tag = image.partition(":")
        assert tag and tag != "latest", f"{name}: {image} is not pinned"
        assert re.search(r"\d+\.\d+|RELEASE\.\d{4}-\d\d-\d\d", tag), f"{name}: {image} names no exact version"


def _env_example() -> dict[str, str]:
    lines = (DEPLOY / "kabinet.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_presigned_links_name_an_address_browsers_reach():
    env = _env_example()
    assert env["PRIVATE_FILES_DELIVERY"] == "s3-presigned" and env["STORAGE_BACKEND"] == "s3"
    internal = env["S3_ENDPOINT_URL"].split("//", 1)[1].split(":")[0]
    assert internal in compose()["services"], "the app reaches the bucket by its compose service name"
    public = env["S3_PUBLIC_ENDPOINT_URL"]
    assert public.startswith("https://") and internal not in public
    assert "9000:9000" in compose()["services"]["minio"]["ports"]


def test_compose_and_a_command_create_the_bucket():
    bucket = compose()["services"]["minio-bucket"]
    assert "mc mb --ignore-existing" in " ".join(bucket["command"])
    assert compose()["services"]["app1"]["depends_on"]["minio-bucket"]["condition"] == "service_completed_successfully"
    assert command_exists("create_bucket") and command_exists("copy_media_to_storage")
    assert command_exists("verify_storage")


def test_the_static_volume_is_writable_by_the_copy_and_served_after_it():
    services = compose()["services"]
    static = services["static"]
    assert static["user"].split(":")[0] == "10001"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    # A new named volume takes the owner of the image's folder at its mount point.
    assert re.search(r"mkdir -p [^\n]*/srv/kabinet/static", dockerfile)
    assert re.search(r"chown -R 10001:0 [^\n]*/srv/kabinet/static", dockerfile)
    assert "static:/srv/kabinet/static" in static["volumes"]
    assert services["nginx"]["depends_on"]["static"]["condition"] == "service_completed_successfully"
    # The image's base images are pinned too.
    for base in re.findall(r"^FROM (\S+)", dockerfile, re.M):
        assert re.search(r":\d+\.\d+\.\d+", base), base


def test_systemd_units_share_one_var_directory_created_by_systemd():
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(unit)
        service = parser["Service"]
        assert service.get("StateDirectory") == "kabinet", unit.name
        for path in service.get("ReadWritePaths", "").split():
            assert path.startswith("/var/lib/kabinet"), (unit.name, path)
    assert _env_example()["KABINET_VAR_DIR"] == "/var/lib/kabinet"


def _requirements(name: str) -> set[str]:
    names = set()
    for line in (DEPLOY.parent / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= _requirements(line[3:].strip())
        elif line:
            names.add(re.split(r"[=<>\[ ]", line, maxsplit=1)[0].lower())
    return names


def test_production_installs_carry_no_test_tools():
    prod = _requirements("requirements-prod.txt")
    dev = _requirements("requirements-dev.txt")
    tools = {"pytest", "pytest-django", "playwright", "moto", "mypy", "ruff", "factory-boy", "hypothesis", "bandit"}
    assert tools <= dev
    assert not prod & tools, prod & tools
    assert {"django", "gunicorn", "psycopg", "weasyprint"} <= prod
    makefile = (DEPLOY.parent / "Makefile").read_text()
    recipe = re.search(r"^install-prod:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and "requirements-prod.txt" in recipe.group(1) and "requirements-dev" not in recipe.group(1)
    assert "pip install --no-cache-dir -r requirements-prod.txt" in (DEPLOY / "Dockerfile").read_text()


def test_the_readme_apt_line_names_every_system_package_it_needs():
    readme = (DEPLOY.parent / "README.md").read_text()
    line = re.search(r"<!-- apt -->\s*```sh\n(apt-get install[^\n]*)\n", readme)
    assert line, "README.md lost its apt-get line"
    packages = set(line.group(1).split()[2:])
    needed = {"python3-venv", "nodejs", "npm", "gettext", "chromium", "libpango-1.0-0", "libpangoft2-1.0-0"}
    assert needed <= packages, needed - packages
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    runtime = dockerfile.split(" AS runtime", 1)[1]
    installed = runtime.split("--no-install-recommends", 1)[1].split("&&", 1)[0]
    image_packages = {word for word in installed.split() if word != "\\"}
    assert "libpango-1.0-0" in image_packages
    assert image_packages <= packages, image_packages - packages


def test_the_operations_guide_is_linked_and_its_commands_exist():
    readme = (DEPLOY.parent / "README.md").read_text()
    assert "(docs/operations.md)" in readme and "docs/settings.md" in readme
    guide = (DEPLOY.parent / "docs" / "operations.md").read_text()
    for needed in (
        "pg_dump", "pg_restore", "pg_basebackup", "archive_command", "restore_command", "recovery_target_time",
        "recovery.signal", "mc mirror", "rsync", "verify_storage", "copy_media_to_storage", "create_bucket",
    ):  # fmt: skip
        assert needed in guide, needed
    for command in set(re.findall(r"manage\.py (\w+)", guide)):
        assert command_exists(command), f"docs/operations.md names manage.py {command}, which does not exist"
    for target in set(re.findall(r"`make ([\w-]+)`", guide)):
        assert re.search(rf"^{re.escape(target)}:", (DEPLOY.parent / "Makefile").read_text(), re.M), target
