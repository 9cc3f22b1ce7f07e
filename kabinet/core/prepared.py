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

`objects()` gives model instances instead, for a queryset of models (with its `select_related` and
annotations), built from the rows exactly as the queryset's own iterable builds them.

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
from django.db.models.query import ModelIterable, get_related_populators

# Stand-ins far outside any real key or date, distinct per argument position.
_INT_BASE = -7_300_000_001
_DATE_BASE = date(1807, 3, 1)


def is_stand_in(param: Any, wanted: Any) -> bool:
    """Whether a compiled parameter is the stand-in `wanted`: the same value and type, or an int the database
    backend wrapped in a typed int of its own (psycopg's `Int8` for a bigint lookup on PostgreSQL)."""
    if type(param) is type(wanted):
        return bool(param == wanted)
    return type(wanted) is int and isinstance(param, int) and not isinstance(param, bool) and param == wanted


def like_stand_in(param: Any, value: Any) -> Any:
    """`value` put where the stand-in `param` was, wrapped as the backend wrapped the stand-in."""
    kind = type(param)
    if kind is not int and type(value) is int and isinstance(param, int) and not isinstance(param, bool):
        return kind(value)
    return value


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
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots: list[tuple[int, str]] = []
        for name, stand_in in stand_ins.items():
            if stand_in is None:
                continue
            wanted = self._adapt(connection, name, stand_in)
            found = [i for i, param in enumerate(params) if is_stand_in(param, wanted)]
            if not found:
                raise ValueError(f"Prepared: the argument {name!r} is not a parameter of the compiled query")
            slots.extend((i, name) for i in found)
        # What `results_iter` works out again on every call: the converters of the selected columns.
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("Prepared: composite fields are not supported")
        converters = compiler.get_converters(fields)
        return _Compiled(compiler, sql, list(params), slots, converters, queryset)

    def _fetch(self, using: str | None, arguments: dict[str, Any]) -> tuple[_Compiled, list[Any]]:
        """The compiled query and its rows (through the converters: lists; without any: the cursor's
        tuples) for these argument values."""
        names = tuple(sorted(arguments))
        present = frozenset(name for name in names if arguments[name] is not None)
        if using is None:
            if self._model is None:
                self._model = self.build(**{name: self._stand_in(i, name) for i, name in enumerate(names)}).model
            using = router.db_for_read(self._model)
        key = (using, names, present)
        cache = self._local.__dict__.setdefault("compiled", {})
        if key not in cache:
            cache[key] = self._compile(using, names, present)
        compiled: _Compiled = cache[key]
        connection = connections[using]
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = like_stand_in(compiled.params[index], self._adapt(connection, name, arguments[name]))
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if compiled.converters:
            return compiled, list(compiled.compiler.apply_converters(fetched, compiled.converters))
        return compiled, fetched

    def rows(self, *, using: str | None = None, **arguments: Any) -> list[tuple]:
        """The queryset's rows (tuples, as `values_list` gives them) for these argument values, read from
        the database the routers choose for the queryset's model (the replica when the request may use it),
        as the queryset itself would be."""
        _compiled, rows = self._fetch(using, arguments)
        return [tuple(row) for row in rows]

    def objects(self, *, using: str | None = None, **arguments: Any) -> list[Any]:
        """The queryset's model instances for these argument values (read as `rows` reads), each built as
        the queryset's own `ModelIterable` builds it: the model's fields, the `select_related` objects
        and the annotations. For a plain queryset of models (no `values()`, no prefetching)."""
        compiled, rows = self._fetch(using, arguments)
        if compiled.populate is None:
            compiled.populate = _populator(compiled)
        return [compiled.populate(row) for row in rows]


class _Compiled:
    """One shape's compiled query: the SQL, its parameters with the arguments' slots, the converters."""

    __slots__ = ("compiler", "converters", "params", "populate", "queryset", "slots", "sql")

    def __init__(self, compiler, sql: str, params: list, slots: list[tuple[int, str]], converters: dict, queryset):
        self.compiler, self.sql, self.params, self.slots = compiler, sql, params, slots
        self.converters, self.queryset = converters, queryset
        self.populate: Callable[[list[Any]], Any] | None = None


def _populator(compiled: _Compiled) -> Callable[[list[Any]], Any]:
    """`ModelIterable.__iter__`'s body for one row, with what it works out per query done once."""
    queryset, compiler = compiled.queryset, compiled.compiler
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        raise ValueError("Prepared.objects: a plain queryset of models only")
    db = compiler.using
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    related_populators = get_related_populators(klass_info, select, db)  # type: ignore[call-arg]  # the stubs are of a later Django (fetch_mode)
    annotations = list(annotation_col_map.items()) if annotation_col_map else []

    def populate(row: list[Any]) -> Any:
        obj = model_cls.from_db(db, init_list, row[start:end])
        for rel_populator in related_populators:
            rel_populator.populate(row, obj)
        for attr_name, col_pos in annotations:
            setattr(obj, attr_name, row[col_pos])
        return obj

    return populate
