"""A queryset compiled once and run again with new values: for the few hot queries whose ORM building
costs more than the query itself.

The main page's debt sums (`contracts.ledger.debt._overdue_sums`) are a four-way UNION of grouped
aggregates with a dozen expressions: PostgreSQL answers them in under a millisecond at the largest
organization, while Django spent ~12 ms building and compiling the queryset on every request.
`Prepared` builds the queryset once per thread, database and *shape* (which arguments are None: a
filter on None is a different query), with a distinct stand-in value for each argument, finds where
each stand-in landed among the compiled SQL's parameters, and from then on only swaps the values in and
runs the SQL. The rows go through the compiler's own converters (`results_iter`), so they are exactly
what the queryset would have returned.

`objects()` gives the model instances iterating the queryset would give (with its `select_related`
rows and annotations), built the way Django's own `ModelIterable` builds them; the plan for building
them (the columns of each model, the related populators, the converters) is kept with the compiled SQL.

Arguments are ints (primary keys) or dates; a stand-in that cannot be found in the parameters (the
queryset used it in a way that does not end as one parameter) is refused at the first call, so a
change to the builder fails loudly in the tests rather than returning another organization's rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stand-ins far outside any real key or date, distinct per argument position.
_INT_BASE = -7_300_000_001
_DATE_BASE = date(1807, 3, 1)


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], *, dates: tuple[str, ...] = ()):
        """`build(**arguments)` returns the queryset; `dates` names the arguments that are dates (the
        others are ints or None)."""
        self.build = build
        self.dates = frozenset(dates)
        self._local = threading.local()
        self._model: type[Model] | None = None

    def _stand_in(self, position: int, name: str) -> Any:
        return _DATE_BASE + timedelta(days=position) if name in self.dates else _INT_BASE - position

    def _adapt(self, connection, name: str, value: Any) -> Any:
        return connection.ops.adapt_datefield_value(value) if name in self.dates else value

    def _compile(self, using: str, names: tuple[str, ...], present: frozenset[str]):
        connection = connections[using]
        stand_ins = {name: (self._stand_in(i, name) if name in present else None) for i, name in enumerate(names)}
        queryset = self.build(**stand_ins)
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(queryset, "_known_related_objects", {}):
            raise ValueError("Prepared: a queryset with prefetched or known related objects cannot be prepared")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots: list[tuple[int, str]] = []
        for name, stand_in in stand_ins.items():
            if stand_in is None:
                continue
            wanted = self._adapt(connection, name, stand_in)
            found = [i for i, param in enumerate(params) if type(param) is type(wanted) and param == wanted]
            if not found:
                raise ValueError(f"Prepared: the argument {name!r} is not a parameter of the compiled query")
            slots.extend((i, name) for i in found)
        # What `results_iter` works out on every call (the converters of the selected columns), once.
        converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])
        return _Compiled(compiler, sql, list(params), slots, converters)

    def _run(self, using: str | None, arguments: dict[str, Any]) -> tuple[_Compiled, str, list]:
        """The compiled query of these arguments' shape, and the rows the database returns (not yet converted)."""
        names = tuple(sorted(arguments))
        present = frozenset(name for name in names if arguments[name] is not None)
        if using is None:
            if self._model is None:
                self._model = self.build(**{name: self._stand_in(i, name) for i, name in enumerate(names)}).model
            using = router.db_for_read(self._model)
        key = (using, names, present)
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(key)
        if compiled is None:
            compiled = cache[key] = self._compile(using, names, present)
        connection = connections[using]
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = self._adapt(connection, name, arguments[name])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return compiled, using, fetched

    def rows(self, *, using: str | None = None, **arguments: Any) -> list[tuple]:
        """The queryset's rows (tuples, as `values_list` gives them) for these argument values, read from
        the database the routers choose for the queryset's model (the replica when the request may use it),
        as the queryset itself would be."""
        compiled, _using, fetched = self._run(using, arguments)
        if not compiled.converters:
            return fetched
        return list(map(tuple, compiled.compiler.apply_converters(fetched, compiled.converters)))

    def objects(self, *, using: str | None = None, **arguments: Any) -> list[Any]:
        """The queryset's model instances for these argument values (what iterating it gives: its
        `select_related` objects and its annotations set on each), from the database the routers choose."""
        compiled, using, fetched = self._run(using, arguments)
        if compiled.plan is None:
            compiled.plan = _model_plan(compiled.compiler, using)
        model_cls, init_list, start, end, populators, annotations = compiled.plan
        rows = compiled.compiler.apply_converters(fetched, compiled.converters) if compiled.converters else fetched
        found = []
        for row in rows:
            obj = model_cls.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attr_name, col_pos in annotations:
                setattr(obj, attr_name, row[col_pos])
            found.append(obj)
        return found


class _Compiled:
    """One shape's compiled query: its SQL, its parameters with the arguments' slots, its converters and,
    once `objects()` asked, how its rows become model instances."""

    __slots__ = ("compiler", "converters", "params", "plan", "slots", "sql")

    def __init__(self, compiler, sql: str, params: list, slots: list[tuple[int, str]], converters):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots
        self.converters = converters
        self.plan: tuple | None = None


def _model_plan(compiler, db: str) -> tuple:
    """How `ModelIterable.__iter__` (Django 5.2) turns a compiled query's rows into model instances: the
    model's own columns, the populators of its `select_related` models, the annotations' columns."""
    select, klass_info = compiler.select, compiler.klass_info
    if klass_info is None:
        raise ValueError("Prepared: objects() needs a queryset of model instances, not of values")
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, db)  # type: ignore[call-arg]  # the stubs are of a later Django
    annotations = tuple(compiler.annotation_col_map.items()) if compiler.annotation_col_map else ()
    return klass_info["model"], init_list, start, end, populators, annotations
