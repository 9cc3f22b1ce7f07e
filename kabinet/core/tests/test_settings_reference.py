"""Every environment variable is read through config/env.py and listed, with its meaning, in
docs/settings.md, which is generated from the code and never stale."""

from __future__ import annotations

import ast

from config import settings_doc
from config.settings_descriptions import DEFAULTS, DESCRIPTIONS, SECTIONS


def _environment_reads(tree: ast.AST) -> list[str]:
    """`os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)`: reads around the helpers.
    `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)` of manage.py / wsgi.py is a write."""
    nodes = list(ast.walk(tree))
    writes = {id(node.value) for node in nodes if isinstance(node, ast.Attribute) and node.attr == "setdefault"}
    reads = []
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            reads.append(f"line {node.lineno}: os.getenv")
        if isinstance(node, ast.Attribute) and node.attr == "environ" and id(node) not in writes:
            reads.append(f"line {node.lineno}: os.environ")
    return reads


def test_nothing_reads_the_environment_around_config_env():
    offenders = {}
    for path in settings_doc.sources():
        reads = _environment_reads(ast.parse(path.read_text(encoding="utf-8")))
        if reads:
            offenders[str(path.relative_to(settings_doc.ROOT))] = reads
    assert not offenders, offenders


def test_gunicorns_settings_are_read_through_the_helper_too():
    read = settings_doc.read_variables()
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "FORWARDED_ALLOW_IPS"):
        assert "deploy/gunicorn.conf.py" in read[name].where


def test_every_variable_read_is_described_and_every_description_is_read():
    read = set(settings_doc.read_variables())
    described = set(DESCRIPTIONS)
    assert not read - described, f"read but undocumented: {sorted(read - described)}"
    assert not described - read, f"documented but read by nothing: {sorted(described - read)}"
    assert not set(DEFAULTS) - read
    in_sections = [name for _, names in SECTIONS for name in names]
    assert sorted(in_sections) == sorted(read), "every variable belongs to exactly one section"


def test_docs_settings_md_is_generated_from_the_code_and_up_to_date(capsys):
    assert settings_doc.main(["--check"]) == 0, capsys.readouterr().err
    text = settings_doc.DOC.read_text(encoding="utf-8")
    for name in ("KABINET_VAR_DIR", "DEFAULT_FROM_EMAIL", "TIME_ZONE", "LOG_LEVEL", "RQ_REDIS_URL", "GUNICORN_TIMEOUT"):
        assert f"| `{name}` |" in text
