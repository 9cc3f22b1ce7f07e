"""Floors point down only (issue 15): the import-linter contracts of pyproject.toml hold, so an import
from a lower floor to a higher one (or a circle between apps) fails the suite, not only `make lint`."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_the_import_contracts_are_kept(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report


@pytest.mark.parametrize("contract", ["floors", "ground-floor"])
def test_both_contracts_are_checked(capsys, contract):
    """The contracts are found by their ids (a renamed or dropped contract would silently check nothing)."""
    assert lint_imports(config_filename=str(PYPROJECT), limit_to_contracts=(contract,), no_cache=True) == 0
    assert "1 kept, 0 broken" in capsys.readouterr().out
