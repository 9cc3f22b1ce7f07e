"""`Prepared` for a list's page: the page's rows with LIMIT and OFFSET as parameters too, and the
list's (capped) count — each compiled once per thread and shape, then only run with new values.

Django writes a slice into the SQL as literal numbers (`LIMIT 20 OFFSET 40`), so a page's query would be
a new query for every page. `PreparedWindow` slices the queryset with stand-in bounds far outside any
real page, finds that clause in the compiled SQL (it must occur exactly once) and turns it into
`LIMIT %s OFFSET %s`, with the two values put among the parameters where the placeholders stand.
`PreparedCount` counts the queryset's rows (its own slice included, e.g. a cap) as Django counts a
sliced queryset: `SELECT COUNT(*) FROM (…) subquery`.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connections

from kabinet.core.prepared import Prepared

# Stand-in bounds of the slice: no real page is this deep or this long.
_OFFSET = 7_306_400_017
_LIMIT = 7_306_419_853
_PLACEHOLDER = re.compile(r"%%|%s")


class PreparedWindow(Prepared):
    """`rows(offset=…, limit=…, **arguments)`: the rows of `build(**arguments)[offset:offset + limit]`."""

    WINDOW = ("limit", "offset")

    def __init__(self, build, *, dates: tuple[str, ...] = ()):
        super().__init__(lambda offset=None, limit=None, **arguments: build(**arguments), dates=dates)
        self._unsliced = build

    def _stand_in(self, position: int, name: str) -> Any:
        if name == "offset":
            return _OFFSET
        if name == "limit":
            return _LIMIT
        return super()._stand_in(position, name)

    def _compile(self, using: str, names: tuple[str, ...], present: frozenset[str]):
        if not all(name in present for name in self.WINDOW):
            raise ValueError("PreparedWindow: offset and limit are required")
        connection = connections[using]
        stand_ins = {name: (self._stand_in(i, name) if name in present else None) for i, name in enumerate(names)}
        arguments = {name: value for name, value in stand_ins.items() if name not in self.WINDOW}
        queryset = self._unsliced(**arguments)[_OFFSET : _OFFSET + _LIMIT]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        clause = f"LIMIT {_LIMIT} OFFSET {_OFFSET}"
        if sql.count(clause) != 1:
            raise ValueError("PreparedWindow: the slice is not one LIMIT … OFFSET … clause of the compiled query")
        # The window's stand-ins are literals in the SQL: they become parameters where they stand.
        head, _clause, tail = sql.partition(clause)
        at = sum(1 for mark in _PLACEHOLDER.findall(head) if mark == "%s")
        params = [*params[:at], _LIMIT, _OFFSET, *params[at:]]
        sql = f"{head}LIMIT %s OFFSET %s{tail}"
        slots: list[tuple[int, str]] = []
        for name, stand_in in stand_ins.items():
            if stand_in is None:
                continue
            wanted = self._adapt(connection, name, stand_in)
            found = [i for i, param in enumerate(params) if type(param) is type(wanted) and param == wanted]
            if not found:
                raise ValueError(f"Prepared: the argument {name!r} is not a parameter of the compiled query")
            slots.extend((i, name) for i in found)
        return compiler, sql, list(params), slots


class PreparedCount(Prepared):
    """`count(**arguments)`: how many rows `build(**arguments)` has (with its slice, if any)."""

    def _compile(self, using: str, names: tuple[str, ...], present: frozenset[str]):
        compiler, sql, params, slots = super()._compile(using, names, present)
        # The compiled SQL of a queryset, wrapped as Django wraps a sliced count.
        return compiler, f"SELECT COUNT(*) FROM ({sql}) subquery", params, slots  # noqa: S608  # nosec B608 (compiled by the ORM; values are bound parameters)

    def count(self, *, using: str | None = None, **arguments: Any) -> int:
        return int(self.rows(using=using, **arguments)[0][0])
