"""«История изменений» reads as Russian sentences: every action the code records has its name."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from kabinet.audit import presentation
from kabinet.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> set[str]:
    """Every `action="…"` literal passed to a call in the application code (argparse's aside)."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        # Parts below kabinet/ only: the checkout itself may sit in a folder called `tests`.
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                    found.add(str(keyword.value.value))
    return found


def test_every_recorded_action_has_a_russian_name():
    actions = recorded_actions()
    assert "employee_invited" in actions and "appeal_status_changed" in actions  # the scan works
    missing = sorted(actions - set(presentation.ACTIONS))
    assert missing == [], f"add these to kabinet/audit/presentation.py ACTIONS: {missing}"
    with translation.override("ru"):
        untranslated = [a for a in presentation.ACTIONS if presentation.action_label(a) == str(presentation.ACTIONS[a])]
        # The msgids are English; a Russian page must never show them.
        assert [a for a in untranslated if presentation.action_label(a).isascii()] == []


def test_changes_are_field_by_field_with_russian_names_and_formatted_values(db):
    event = AuditEvent(
        object_type="organizations.membership",
        before={"user": "Иванов", "phone": "+79000000001", "role": "manager", "status": "active"},
        after={"user": "Иванов", "phone": "+79000000002", "role": "admin", "status": "active"},
    )
    with translation.override("ru"):
        changes = {c.label: (c.before, c.after) for c in presentation.describe_changes(event)}
    assert changes == {
        "Телефон": ("+7 (900) 000-00-01", "+7 (900) 000-00-02"),
        "Роль": ("Менеджер", "Администратор"),
    }


def test_dates_in_values_are_day_month_year(db):
    event = AuditEvent(object_type="appeals.appeal", after={"date": "2027-02-01"})
    (change,) = presentation.describe_changes(event)
    assert change.after == "01.02.2027" and change.added
