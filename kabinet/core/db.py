"""Database helpers that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Lookup


def _register_sqlite_functions(sender, connection, **kwargs):
    # SQLite's LOWER() folds only ASCII; Python's casefold() knows Cyrillic.
    if connection.vendor == "sqlite":
        connection.connection.create_function("kb_casefold", 1, lambda v: v.casefold() if v else v, deterministic=True)


connection_created.connect(_register_sqlite_functions)


class Casefold(Func):
    """Case-insensitive text for `contains` searches in any alphabet."""

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="kb_casefold", **extra_context)


class AnyOfSubquery(Lookup):
    """`lhs = ANY(ARRAY(subquery))` (PostgreSQL): the subquery runs once as an InitPlan and its ids stay an
    index condition of `lhs`, even inside an OR, where `lhs IN (subquery)` becomes a hashed SubPlan filter.
    Used as an expression: `.filter(AnyOfSubquery(F("contract_id"), queryset.values("pk")[:500]))`."""

    lookup_name = "any_of_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
