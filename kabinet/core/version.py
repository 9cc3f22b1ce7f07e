"""The release number, read from one place: `[project] version` of pyproject.toml.

CHANGELOG.md names the commit of each release. The back office shows the number in its footer and
`/healthz` in its body, so an operator sees which release answers.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def read_version(pyproject: Path = PYPROJECT) -> str:
    """The version in pyproject.toml; an installed distribution's when the file is not shipped."""
    try:
        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except FileNotFoundError:
        try:
            return metadata.version("kabinet")
        except metadata.PackageNotFoundError:
            return "unknown"


VERSION = read_version()
