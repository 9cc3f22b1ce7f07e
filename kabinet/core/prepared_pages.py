"""`Prepared` for a list's page: the page's rows with LIMIT and OFFSET as parameters too, the list's
(capped) count, and words typed into a search box as arguments — each query compiled once per thread
and shape, then only run with new values.

- **Window.** Django writes a slice into the SQL as literal numbers (`LIMIT 20 OFFSET 40`), so every page
  would be a new query. With `window=True` the build receives `offset` and `limit` and slices where it
  wants (the page itself, or the keys of a deferred join); it is compiled with stand-in bounds far
  outside any real page, and that clause — which must occur exactly once — becomes `LIMIT %s OFFSET %s`,
  with the two values put among the parameters where the placeholders stand.
- **Count.** `count()` runs `SELECT COUNT(*) FROM (…) subquery` over the build's rows (its own slice
  included, e.g. a cap), as Django counts a sliced queryset.
- **Text.** The arguments named in `texts` are strings. Each is compiled with a stand-in word that
  holds LIKE's wildcard `_`, so where a lookup put it is told apart: as it is (`exact`, a full-text
  query) or escaped for LIKE (`contains`, `icontains`, SQLite's `iexact`), inside whatever the lookup
  wrapped around it (`%…%`). The value then goes in the same way. The build must not look at a text
  argument's content (its shape is only whether it is None), so anything derived from the words
  (splitting, stemming, a plate's key) is computed before and passed as arguments of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

from kabinet.core.prepared import Prepared, is_stand_in, like_stand_in

# Stand-in bounds of the slice: no real page is this deep or this long.
_OFFSET = 7_306_400_017
_LIMIT = 7_306_419_853
_PLACEHOLDER = re.compile(r"%%|%s")
_WINDOW = ("limit", "offset")

# A slot: (parameter index, argument name, text before, text after, escaped for LIKE).
Slot = tuple[int, str, str, str, bool]


class PreparedList(Prepared):
    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        dates: tuple[str, ...] = (),
        texts: tuple[str, ...] = (),
        window: bool = False,
        count: bool = False,
    ):
        super().__init__(build, dates=dates)
        self.texts = frozenset(texts)
        self.window = window
        self.counting = count

    def _stand_in(self, position: int, name: str) -> Any:
        if self.window and name == "offset":
            return _OFFSET
        if self.window and name == "limit":
            return _LIMIT
        if name in self.texts:
            return f"kbsi_{position}_"
        return super()._stand_in(position, name)

    def _compile(self, using: str, names: tuple[str, ...], present: frozenset[str]):  # type: ignore[override]
        if self.window and not all(name in present for name in _WINDOW):
            raise ValueError("PreparedList: offset and limit are required")
        connection = connections[using]
        stand_ins = {name: (self._stand_in(i, name) if name in present else None) for i, name in enumerate(names)}
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, compiled = compiler.as_sql()
        params = list(compiled)
        if self.window:
            clause = f"LIMIT {_LIMIT} OFFSET {_OFFSET}"
            if sql.count(clause) != 1:
                raise ValueError("PreparedList: the slice is not one LIMIT … OFFSET … clause of the compiled query")
            # The window's stand-ins are literals in the SQL: they become parameters where they stand.
            head, _clause, tail = sql.partition(clause)
            at = sum(1 for mark in _PLACEHOLDER.findall(head) if mark == "%s")
            params = [*params[:at], _LIMIT, _OFFSET, *params[at:]]
            sql = f"{head}LIMIT %s OFFSET %s{tail}"
        if self.counting:
            # The compiled SQL of a queryset, wrapped as Django wraps a sliced count.
            sql = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608  # nosec B608 (compiled by the ORM; values are bound parameters)
        texts = {name: value for name, value in stand_ins.items() if name in self.texts and value is not None}
        slots: list[Slot] = []
        for name, stand_in in stand_ins.items():
            if stand_in is None:
                continue
            if name in texts:
                found = self._text_slots(connection, name, stand_in, params, texts)
            else:
                wanted = self._adapt(connection, name, stand_in)
                found = [(i, name, "", "", False) for i, param in enumerate(params) if is_stand_in(param, wanted)]
            if not found:
                raise ValueError(f"Prepared: the argument {name!r} is not a parameter of the compiled query")
            slots.extend(found)
        # The converters of the select's columns, as `results_iter` would find them on every run.
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = None if compiler.has_composite_fields(fields) else compiler.get_converters(fields)
        return compiler, sql, params, slots, converters

    @staticmethod
    def _text_slots(connection, name: str, stand_in: str, params: list, texts: dict[str, str]) -> list[Slot]:
        escaped = connection.ops.prep_for_like_query(stand_in)
        forms = [form for other in texts.values() for form in (other, connection.ops.prep_for_like_query(other))]
        found: list[Slot] = []
        for i, param in enumerate(params):
            if not isinstance(param, str):
                continue
            for form, like in ((escaped, True), (stand_in, False)):
                if form in param:
                    before, _form, after = param.partition(form)
                    rest = before + after
                    # Anything else of a stand-in around it: a value built from the words, not the word.
                    if any(other in rest for other in forms):
                        raise ValueError(f"Prepared: the argument {name!r} is not alone in a parameter")
                    found.append((i, name, before, after, like))
                    break
        return found

    def rows(self, *, using: str | None = None, **arguments: Any) -> list[tuple]:
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
        compiler, sql, template, slots, converters = cache[key]
        connection = connections[using]
        params = list(template)
        for index, name, before, after, like in slots:
            value = arguments[name]
            if name in self.texts:
                params[index] = f"{before}{connection.ops.prep_for_like_query(value) if like else value}{after}"
            else:
                params[index] = like_stand_in(template[index], self._adapt(connection, name, value))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if self.counting:
            return fetched
        if converters is None:
            return list(compiler.results_iter(results=[fetched], tuple_expected=True))
        if not converters:
            return [tuple(row) for row in fetched]
        return [tuple(row) for row in compiler.apply_converters(fetched, converters)]

    def count(self, *, using: str | None = None, **arguments: Any) -> int:
        """How many rows the build has (its own slice included)."""
        if not self.counting:
            raise TypeError("PreparedList: made without count=True")
        return int(self.rows(using=using, **arguments)[0][0])
