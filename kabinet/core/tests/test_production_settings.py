"""Issue 13.7 and 13.8: a production start refuses the development key; the example environment of
the README passes `manage.py check --deploy --fail-level WARNING`; the security headers are sent."""

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
            ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "REDIS_URL", "BEHIND_PROXY", "DJANGO_ALLOW_ASYNC")
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


@pytest.mark.parametrize("key", ["short-key", "kabinet-insecure-development-key-change-me-in-production", "a" * 60])
def test_production_refuses_a_weak_key(key):
    assert setup(DEBUG="0", ALLOWED_HOSTS="portal.example.ru", SECRET_KEY=key).returncode != 0


def test_production_starts_with_a_real_key_and_the_loopback_demo_with_none():
    assert setup(DEBUG="0", ALLOWED_HOSTS="portal.example.ru", SECRET_KEY=REAL_KEY).returncode == 0
    assert setup(DEBUG="0").returncode == 0  # `make run` on 127.0.0.1
    assert setup(DEBUG="1", ALLOWED_HOSTS="dev.example.ru").returncode == 0


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
