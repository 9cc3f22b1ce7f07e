"""A request's topic fields as label/value pairs a person reads (staff and client alike)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from kabinet.core.formatting import format_money


def _value(kind: str, value: str) -> str:
    if kind == "date":
        try:
            return f"{date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            return value
    if kind == "money":
        try:
            return format_money(Decimal(value))
        except InvalidOperation:
            return value
    return value


def topic_field_rows(appeal) -> list[tuple[str, str]]:
    """[(«Дата начала», «01.02.2026»), …] in the topic's order; unknown keys keep their name."""
    data = dict(appeal.data or {})
    rows = []
    for spec in appeal.topic.extra_fields if appeal.topic else []:
        name = spec.get("name")
        if name in data:
            rows.append((spec.get("label") or name, _value(spec.get("type", "text"), str(data.pop(name)))))
    rows += [(str(k), str(v)) for k, v in data.items()]
    return rows
