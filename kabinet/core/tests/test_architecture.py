"""Floors point down only: the import-linter contracts of pyproject.toml hold, so an import
from a lower floor to a higher one (or a circle between apps) fails the suite, not only `make lint`."""

from __future__ import annotations

import ast
import io
import re
import tokenize
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


ROOT = PYPROJECT.parent / "kabinet"


def function_level_imports(root: Path = ROOT) -> list[tuple[Path, int, bool]]:
    """(file, line, says why) of every import inside a function, outside tests and migrations. An import
    says why when `reason` is on its line or in the comment above it (or above the imports it opens)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        lines = path.read_text().splitlines()
        seen: set[int] = set()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno not in seen:
                    seen.add(node.lineno)
                    above = node.lineno - 2
                    while above >= 0 and lines[above].lstrip().startswith(("from ", "import ")):
                        above -= 1
                    said = "reason" in lines[node.lineno - 1] or (above >= 0 and "reason" in lines[above])
                    found.append((path, node.lineno, said))
    return found


def test_every_import_inside_a_function_says_why():
    """An import inside a function hides a cycle or defers a heavy library; each says which.
    Before the restructuring there were 120 (81 of kabinet modules), none with a reason."""
    imports = function_level_imports()
    silent = [f"{path.relative_to(ROOT.parent)}:{line}" for path, line, said in imports if not said]
    assert not silent, "imports inside functions without a `# reason:` comment:\n" + "\n".join(silent)
    assert len(imports) <= 30, f"{len(imports)} imports inside functions (25 after the floors were drawn): move them up"


def test_the_import_census_sees_a_silent_one(tmp_path):
    module = tmp_path / "app" / "views.py"
    module.parent.mkdir()
    module.write_text(
        "def view():\n    from app import models\n\n\n"
        "def ready():\n    # reason: ready()\n    from app import a\n    from app import b\n"
    )
    assert [(line, said) for _, line, said in function_level_imports(tmp_path)] == [(2, False), (7, True), (8, True)]


TICKET = re.compile(r"\bissues?\s+\d+", re.IGNORECASE)


def ticket_citations(root: Path = ROOT) -> list[str]:
    """«file:line» of every comment, docstring or test name under `root` that cites a ticket number
    (the word «issue» and a number): a reader of the repository cannot open it, so the text must give
    the reason itself."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text()
        where = f"{path.relative_to(root.parent).as_posix()}:"
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and TICKET.search(token.string):
                found.append(f"{where}{token.start[0]}")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                docstring = ast.get_docstring(node, clean=False) or ""
                named = "" if isinstance(node, ast.Module) else node.name.replace("_", " ")
                if TICKET.search(docstring) or TICKET.search(named):
                    found.append(f"{where}{getattr(node, 'lineno', 1)}")
    return found


def test_no_comment_docstring_or_test_name_cites_a_ticket_number():
    assert ticket_citations() == []


def test_the_ticket_census_sees_each_kind(tmp_path):
    (tmp_path / "kabinet").mkdir()
    (tmp_path / "kabinet" / "mod.py").write_text(
        '"""Fast lists (issue 12)."""\n\n'
        "x = 1  # moved in Issue 15\n\n\n"
        'def f():\n    """Refuses it (issues 13 and 14)."""\n\n\n'
        "def test_issue_11_bug():\n    pass\n\n\n"
        'def g():\n    return "issue 7 in a plain string is data, not a comment"\n'
    )
    assert ticket_citations(tmp_path / "kabinet") == [
        "kabinet/mod.py:3",
        "kabinet/mod.py:1",
        "kabinet/mod.py:6",
        "kabinet/mod.py:10",
    ]


def serializer_saves(path: Path) -> list[int]:
    """Lines of `<something>serializer….save(…)` calls: a ModelSerializer writing the model itself."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and "serializer" in ast.unparse(node.func.value).lower()
    ]


def test_the_api_writes_through_the_apps_services(tmp_path):
    """The API checks its input with serializers and writes through the owning app's services
    (`<entity>_put`, `payments_record`, …): no serializer saves a model itself."""
    views = [path for path in [ROOT / "api" / "views.py", *sorted((ROOT / "api").glob("views/*.py"))] if path.exists()]
    assert len(views) >= 5  # the package's parts: records, ledger, documents, feed, common
    assert {str(path): serializer_saves(path) for path in views} == {str(path): [] for path in views}
    planted = tmp_path / "views.py"
    planted.write_text("def put(serializer):\n    return serializer.save(external_id=1)\n")
    assert serializer_saves(planted) == [2]


def _hand_written_links(source: str) -> list[int]:
    """Lines where a link (a `link=` argument, a `"link"` key, a `link = …` assignment) is a path literal."""

    def literal_path(node) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value.startswith("/")
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            return isinstance(first, ast.Constant) and str(first.value).startswith("/")
        return False

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg and "link" in node.arg and literal_path(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and "link" in str(key.value) and literal_path(value):
                    lines.append(value.lineno)
        elif isinstance(node, ast.Assign) and literal_path(node.value):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            if any("link" in name for name in names):
                lines.append(node.lineno)
    return lines


def test_links_in_notices_are_built_from_url_names():
    """A notice's link is `reverse(…)` of a URL name, never a path written by hand (it would outlive a
    renamed route and 404)."""
    root = Path(__file__).resolve().parents[2]
    found = [
        f"{path.relative_to(root)}:{line}"
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for line in _hand_written_links(path.read_text())
    ]
    assert found == []


def test_the_link_census_sees_each_kind():
    planted = (
        'notify(link="/contracts/")\n'
        'context = {"link": f"/contracts/{pk}/"}\n'
        'link = "/documents/"\n'
        'notify(link=reverse("contracts:list"))\n'
    )
    assert sorted(_hand_written_links(planted)) == [1, 2, 3]
