"""B: the floor every page is compared with — a bare Django page under the same settings, middleware
and gunicorn: the session, the signed-in user, one indexed 10-row query out of 1,000,000 rows
(`bench_bare_row`, made by `bench/generate.py`), ~8 KB of HTML from a template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.shortcuts import render

ROWS = 1_000_000
BUCKETS = ROWS // 10

CREATE_SQL = [
    "DROP TABLE IF EXISTS bench_bare_row",
    "CREATE TABLE bench_bare_row (id bigint PRIMARY KEY, bucket integer NOT NULL, label text NOT NULL,"
    " amount numeric(16, 2) NOT NULL, day date NOT NULL)",
    "INSERT INTO bench_bare_row SELECT n, n %% %(buckets)s, 'Строка № ' || n,"
    " round((n::bigint * 7919 %% 1000000) / 100.0, 2), DATE '2026-01-01' + (n %% 365) FROM generate_series(1, %(rows)s) AS n",
    "CREATE INDEX bench_bare_bucket ON bench_bare_row (bucket, id)",
]


def create_table(cursor, rows: int = ROWS) -> int:
    for statement in CREATE_SQL:
        cursor.execute(statement, {"rows": rows, "buckets": BUCKETS})
    return rows


@login_required
def bare(request):
    bucket = (request.user.pk * 7919 + int(request.GET.get("n", "0") or 0)) % BUCKETS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, label, amount, day FROM bench_bare_row WHERE bucket = %s ORDER BY id LIMIT 10", [bucket]
        )
        rows = cursor.fetchall()
    return render(request, "bench/bare.html", {"rows": rows, "user_name": request.user.get_short_name()})
