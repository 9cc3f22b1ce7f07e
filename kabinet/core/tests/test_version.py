"""The release number: pyproject.toml is the one place; the back office and /healthz show it."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from kabinet.core.version import VERSION, read_version

ROOT = Path(__file__).resolve().parents[3]


def test_the_version_is_pyprojects_and_the_changelog_names_its_release():
    with (ROOT / "pyproject.toml").open("rb") as fh:
        assert tomllib.load(fh)["project"]["version"] == VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {VERSION}" in changelog


def test_without_pyproject_the_installed_distribution_or_unknown(tmp_path):
    try:
        expected = metadata.version("kabinet")
    except metadata.PackageNotFoundError:
        expected = "unknown"
    assert read_version(tmp_path / "missing.toml") == expected


def test_healthz_and_the_back_office_show_the_version(client, staff):
    assert client.get("/healthz").json()["version"] == VERSION
    client.force_login(staff)
    page = client.get("/admin/").content.decode()
    assert f"Kabinet, версия {VERSION}" in page
