"""Production settings: a production start refuses the development key; the example environment of
the README passes `manage.py check --deploy --fail-level WARNING`; the security headers are sent."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_KEY = "x7Kq2-" + "vW9mZ4pL8rT1yB6nC3dF0gH5jS2aE7uI9oP4qR8tY1wU6xZ3"


def run(args, **env):
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                *("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "REDIS_URL", "BEHIND_PROXY"),
                *("DJANGO_ALLOW_ASYNC", "TRUSTED_PROXIES", "METRICS_", "PRIVATE_FILES", "STORAGE_", "SECURE_"),
                *("PORTAL_URL", "CSRF_", "DB_", "GUNICORN_", "S3_"),
            )
        )
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def setup(**env):
    return run(["-c", "import django; django.setup()"], **env)


def test_production_refuses_the_public_development_key():
    refused = setup(DEBUG="0", ALLOWED_HOSTS="portal.example.ru")
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short-key",
        "kabinet-insecure-development-key-change-me-in-production",
        "a" * 60,
        "abcde" * 10,
        "kabinet-insecure-development-key-change-me-in-production1",
        "django-insecure-" + REAL_KEY,
    ],
)
def test_production_refuses_a_weak_key(key):
    assert setup(DEBUG="0", ALLOWED_HOSTS="portal.example.ru", SECRET_KEY=key).returncode != 0


def test_production_starts_with_a_real_key_and_the_loopback_demo_with_none():
    assert setup(DEBUG="0", ALLOWED_HOSTS="portal.example.ru", SECRET_KEY=REAL_KEY).returncode == 0
    assert setup(DEBUG="0").returncode == 0  # `make run` on 127.0.0.1
    assert setup(DEBUG="1").returncode == 0  # `make dev`
    assert setup(DEBUG="0", ALLOWED_HOSTS="testserver").returncode == 0  # the benchmarks' test client


def readme_production_env() -> dict[str, str]:
    """The variables of the README's «Production example» block (one NAME=value a line)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env -->\s*```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its production example block"
    env = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("export "):
            line = line[len("export ") :]
        if "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    return env


def test_check_deploy_is_clean_with_the_readme_production_example(tmp_path):
    env = readme_production_env()
    assert env["DEBUG"] == "0"
    key_file = tmp_path / "secret_key"
    key_file.write_text(REAL_KEY)
    env["SECRET_KEY_FILE"] = str(key_file)
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stderr + result.stdout


PUBLIC = {"ALLOWED_HOSTS": "portal.example.ru", "SECRET_KEY": REAL_KEY}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "1", **PUBLIC}, "DEBUG"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,*"}, "DEBUG"),
        ({"TRUSTED_PROXIES": "not-an-ip"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
        ({"METRICS_ALLOWED_IPS": "0.0.0.0/0"}, "METRICS_ALLOWED_IPS"),
        ({"METRICS_ALLOWED_IPS": "10.0.0.0/8,::/0"}, "METRICS_ALLOWED_IPS"),
        ({"METRICS_ALLOWED_IPS": "prometheus"}, "METRICS_ALLOWED_IPS"),
        ({"PRIVATE_FILES_DELIVERY": "s3-presigned"}, "STORAGE_BACKEND=s3"),
        ({"PORTAL_URL": "https://portal.example.ru", "SECURE_COOKIES": "0"}, "SECURE_COOKIES"),
        ({"CSRF_TRUSTED_ORIGINS": "https://portal.example.ru"}, "SECURE_COOKIES"),
        ({"SECURE_SSL_REDIRECT": "1"}, "SECURE_COOKIES"),
        ({"DATABASE_URL": "kabinet"}, "DATABASE_URL"),
        ({"DB_STATEMENT_TIMEOUT": "60"}, "GUNICORN_TIMEOUT"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "kabinet", "S3_READ_TIMEOUT": "40"}, "GUNICORN_TIMEOUT"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "kabinet", "GUNICORN_THREADS": "1"}, "STORAGE_MAX_CALLS"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "kabinet", "STORAGE_MAX_CALLS": "4"}, "GUNICORN_THREADS"),
        ({"STORAGE_MAX_CALLS": "0"}, "STORAGE_MAX_CALLS"),
    ],
)
def test_an_unsafe_or_malformed_setting_is_refused_at_start_with_its_name(env, named):
    refused = setup(DEBUG=env.pop("DEBUG", "0"), **env)
    assert refused.returncode != 0
    last = refused.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and named in last, last


def test_check_deploy_warns_about_the_development_key_on_loopback_too():
    result = run(["manage.py", "check", "--deploy"], DEBUG="0")
    assert "kabinet.W001" in result.stderr + result.stdout
    clean = run(["manage.py", "check", "--deploy"], DEBUG="0", SECRET_KEY=REAL_KEY)
    assert "kabinet.W001" not in clean.stderr + clean.stdout


@pytest.mark.parametrize(
    ("name", "value", "expression", "expected"),
    [
        ("SECRET_KEY", REAL_KEY, "settings.SECRET_KEY", REAL_KEY),
        ("EMAIL_PORT", "2525", "settings.EMAIL_PORT", 2525),
        ("EMAIL_USE_TLS", "yes", "settings.EMAIL_USE_TLS", True),
        ("TRUSTED_PROXIES", "10.0.0.1,\n10.0.0.2", "settings.TRUSTED_PROXIES", ["10.0.0.1", "10.0.0.2"]),
        ("REDIS_URL", "redis://127.0.0.1:6399/0", "settings.REDIS_URL", "redis://127.0.0.1:6399/0"),
        ("SENTRY_TRACES_SAMPLE_RATE", "0.25", "env_float('SENTRY_TRACES_SAMPLE_RATE', 0.0)", 0.25),
    ],
)
def test_every_kind_of_variable_reads_its_value_from_name_file(tmp_path, name, value, expression, expected):
    secret = tmp_path / "value"
    secret.write_text(value + "\n")
    probe = (
        "import django, json; from django.conf import settings; from config.env import env_float; "
        f"django.setup(); print(json.dumps({expression}))"
    )
    result = run(["-c", probe], DEBUG="0", **{f"{name}_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_a_variable_set_both_ways_is_refused(tmp_path):
    secret = tmp_path / "port"
    secret.write_text("2525")
    refused = setup(DEBUG="0", EMAIL_PORT="25", EMAIL_PORT_FILE=str(secret))
    assert refused.returncode != 0 and "EMAIL_PORT_FILE" in refused.stderr


def test_postgresql_connections_cancel_a_statement_before_gunicorn_kills_the_worker():
    probe = (
        "import django, json; from django.conf import settings; django.setup(); print(json.dumps(settings.DATABASES))"
    )
    result = run(
        ["-c", probe],
        DEBUG="0",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kabinet",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/kabinet",
        GUNICORN_TIMEOUT="45",
        DB_STATEMENT_TIMEOUT="20",
    )
    assert result.returncode == 0, result.stderr
    databases = json.loads(result.stdout.strip().splitlines()[-1])
    for alias in ("default", "replica"):
        assert databases[alias]["OPTIONS"]["options"] == "-c statement_timeout=20000"


def test_s3_calls_end_before_gunicorn_kills_the_worker():
    probe = (
        "import django; from django.core.files.storage import default_storage as s; django.setup(); "
        "c = s.client_config; print(c.connect_timeout, c.read_timeout, c.signature_version, "
        "c.retries['total_max_attempts'])"
    )
    result = run(["-c", probe], DEBUG="0", STORAGE_BACKEND="s3", S3_BUCKET="kabinet", GUNICORN_TIMEOUT="60")
    assert result.returncode == 0, result.stderr
    # Two tries in all (botocore's `max_attempts` would count retries only: three tries, past the timeout).
    assert result.stdout.split() == ["5", "20", "s3v4", "2"]
