"""The one VAT rounding: `vat_included` in Python and its mirror `vat_included_sql` in the database
give the same kopeck for every amount and rate (SQLite, and PostgreSQL when DATABASE_URL points to it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import BigIntegerField, DecimalField, Value
from django.db.models.functions import Cast
from django.db.models.sql import Query
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kabinet.core.money import MONEY_MAX, vat_included, vat_included_sql

pytestmark = pytest.mark.django_db

LARGEST = int(MONEY_MAX * 100)
kopecks = st.one_of(st.integers(min_value=0, max_value=1_000_000), st.integers(min_value=0, max_value=LARGEST))
# A rate column holds five digits, two after the point; real rates are 0, 10, 20 and 22.
rates = st.one_of(st.sampled_from([0, 1000, 2000, 2200, 1234]), st.integers(min_value=0, max_value=99_999))


def _in_database(pairs: list[tuple[int, int]]) -> list[int]:
    """`vat_included_sql` of each (kopecks, rate in hundredths) in one SELECT, typed as the columns are."""
    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    parts, params = [], []
    for amount, rate in pairs:
        expression = vat_included_sql(
            Cast(Value(amount), BigIntegerField()),
            Cast(Value(Decimal(rate) / 100), DecimalField(max_digits=5, decimal_places=2)),
        )
        sql, expression_params = compiler.compile(expression.resolve_expression(query))
        parts.append(sql)
        params.extend(expression_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [int(value) for value in cursor.fetchone()]


def _in_python(amount: int, rate: int) -> int:
    return int(vat_included(Decimal(amount) / 100, Decimal(rate) / 100) * 100)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(kopecks, rates), min_size=1, max_size=40))
@example(pairs=[(3, 2000), (6, 2000), (600, 2000), (LARGEST, 2200), (LARGEST, 99_999), (0, 0), (1, 99_999)])
def test_the_database_rounds_vat_as_python_does(pairs):
    assert _in_database(pairs) == [_in_python(amount, rate) for amount, rate in pairs]
