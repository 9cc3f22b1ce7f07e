"""Generate a realistic, heavy-tailed data set on PostgreSQL, made by the server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/generate.py --tier M

The database named in DATABASE_URL is dropped, created, migrated and filled. Tiers (time measured on
the shared 2-core machine, see bench/RESULTS.md):

| tier | organizations | contracts | scheduled payments | documents | requests | largest organization | time |
|---|---|---|---|---|---|---|---|
| S (CI, seconds) | 300 | 3,000 | ~108,000 | 12,000 | 3,000 | 500 contracts, 3,000 documents | ~20 s |
| M (`make bench-quick`) | 5,000 | 25,000 | ~900,000 | 150,000 | 25,000 | 5,000 contracts, 100,000 documents | ~1 min |
| L (`make bench`) | 50,000 | 250,000 | ~9,000,000 | 5,000,000 | 500,000 | 5,000 contracts, 100,000 documents | see RESULTS.md |

Every organization but the largest gets a Pareto-like share (rank^-0.6) of the rest: a few hundred
contracts for the next ones, one or two for most. Contracts run 12–60 months from start dates spread
over five years (more of them recent), with a payment day of their own, so due dates spread over every
day of the month and across years. Lines due before today are paid, each by a payment received and
its allocation; every 20th contract is behind (its last three months: one half paid, two unpaid), so
the main page shows overdue debt, and the row copies equal what `services.ledger_recompute` computes.
Documents carry Russian text: two paragraphs drawn from 50,000 made of a pool of 20,000 sentences of
leasing paperwork with names, sums, dates, VINs and addresses filled in; titles from each type's
template with its number, date, contract, make or insurer; the full-text vector is the application's
(`document_reindex`), its text part concatenated from the paragraphs' vectors made once.

How it is fast: organizations, users and contracts are COPY'd from Python; everything else is
`INSERT … SELECT` from `generate_series` with `random()` picks, in batches on two connections
(`Workers`); foreign-key triggers are off while loading (`session_replication_role = replica`: the
rows are consistent by construction), TOAST uses lz4, secondary indexes are dropped first and built
after the load (two at a time), then VACUUM ANALYZE. It prints rows/s per table and the database size.

The largest organization's administrator signs in as +7 900 000-00-01 / `bench-password-1`.

Used as a library too: `generate(connection, "S")` fills an already migrated database (the EXPLAIN test).
The schedule is generated in SQL in one place (`SCHEDULE_SQL` and `fill_schedule`): adapt it there when
the ledger's columns change; columns it does not name get the model's default.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN_PHONE = "+79000000001"
ADMIN_PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class Tier:
    orgs: int
    contracts: int
    documents: int
    requests: int
    top_contracts: int
    top_documents: int


TIERS = {
    "S": Tier(orgs=300, contracts=3_000, documents=12_000, requests=3_000, top_contracts=500, top_documents=3_000),
    "M": Tier(
        orgs=5_000, contracts=25_000, documents=150_000, requests=25_000, top_contracts=5_000, top_documents=100_000
    ),
    "L": Tier(
        orgs=50_000,
        contracts=250_000,
        documents=5_000_000,
        requests=500_000,
        top_contracts=5_000,
        top_documents=100_000,
    ),
}


def shares(total: int, top: int, n: int, exponent: float = 0.6) -> list[int]:
    """`top` for the first of `n`, the rest of `total` by rank^-exponent, at least 1 each (if it fits)."""
    rest = total - top
    if n <= 1:
        return [total]
    weights = [(i + 2) ** -exponent for i in range(n - 1)]
    scale = rest / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts = [min(c, top) for c in counts]
    short = rest - sum(counts)
    i = 0
    while short > 0:  # hand out what rounding left, to the smallest first
        j = n - 2 - (i % (n - 1))
        if counts[j] < top:
            counts[j] += 1
            short -= 1
        i += 1
    return [top, *counts]


# --- Russian text ------------------------------------------------------------------------------------

DOC_TYPES = [
    ("Акт сверки", "accounting", "Акт сверки взаимных расчётов за {period}"),
    ("УПД", "accounting", "Универсальный передаточный документ № {n} от {date}"),
    ("Счёт-фактура", "accounting", "Счёт-фактура № {n} от {date}"),
    ("Счёт на оплату", "accounting", "Счёт на оплату лизингового платежа № {n}"),
    ("Договор лизинга", "deal", "Договор финансовой аренды (лизинга) № {contract}"),
    ("Дополнительное соглашение", "deal", "Дополнительное соглашение № {k} к договору {contract}"),
    ("Акт приёма-передачи", "deal", "Акт приёма-передачи предмета лизинга по договору {contract}"),
    ("График платежей", "deal", "График лизинговых платежей по договору {contract}"),
    ("Спецификация", "deal", "Спецификация предмета лизинга к договору {contract}"),
    ("ПТС", "deal", "Паспорт транспортного средства {make} {model}"),
    ("Страховой полис", "other", "Полис КАСКО {insurer} № {n}"),
    ("Уведомление", "other", "Уведомление об изменении ключевой ставки Банка России"),
    ("Письмо", "other", "Письмо о порядке оплаты лизинговых платежей"),
]
MAKES = [
    ("Kia", "Rio"),
    ("Hyundai", "Solaris"),
    ("Skoda", "Octavia"),
    ("Volkswagen", "Polo"),
    ("Lada", "Vesta"),
    ("Haval", "Jolion"),
    ("Chery", "Tiggo 7 Pro"),
    ("ГАЗ", "ГАЗель Next"),
    ("КАМАЗ", "65115"),
    ("Toyota", "Camry"),
    ("Geely", "Coolray"),
    ("Scania", "R450"),
    ("JCB", "3CX"),
    ("Hitachi", "ZX200"),
    ("МАЗ", "5440"),
]
INSURERS = ["Ингосстрах", "РЕСО-Гарантия", "АльфаСтрахование", "СОГАЗ", "Ренессанс Страхование", "ВСК"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "Самара", "Пермь"]
STREETS = ["Ленина", "Мира", "Садовая", "Московский проспект", "Невский проспект", "Гагарина", "Заводская"]
ORG_WORDS = [
    "Альфа",
    "Север",
    "Транс",
    "Логистик",
    "Строй",
    "Агро",
    "Техно",
    "Волга",
    "Урал",
    "Сибирь",
    "Балт",
    "Проф",
    "Инвест",
    "Сервис",
    "Маркет",
    "Авто",
    "Карго",
    "Энерго",
    "Мед",
    "Пром",
]
SENTENCES = [
    "Лизингодатель передал, а лизингополучатель принял во временное владение и пользование {make} {model} {year} года выпуска, VIN {vin}.",
    "Сумма лизинговых платежей по договору составляет {money} рублей, в том числе НДС {vat} рублей.",
    "Оплата производится ежемесячно не позднее {day} числа месяца по графику платежей.",
    "По состоянию на {date} задолженность лизингополучателя перед лизингодателем составляет {money} рублей.",
    "Стороны подтверждают отсутствие взаимных претензий по исполнению обязательств за {period}.",
    "Предмет лизинга находится по адресу: г. {city}, ул. {street}, д. {house}.",
    "Выкупная стоимость предмета лизинга составляет {money} рублей и уплачивается вместе с последним платежом.",
    "Страхование предмета лизинга осуществляет {insurer} на условиях полиса КАСКО на весь срок лизинга.",
    "В связи с изменением ключевой ставки Банка России размер платежей пересчитан с {date}.",
    "Транспортное средство зарегистрировано в ГИБДД, государственный регистрационный знак {plate}.",
    "Лизингополучатель обязуется своевременно проходить техническое обслуживание у официального дилера.",
    "Документ подписан усиленной квалифицированной электронной подписью и не требует бумажного экземпляра.",
    "При просрочке платежа начисляются пени в размере {rate} процента от суммы просроченного платежа за каждый день.",
    "Досрочный выкуп возможен после уплаты не менее шести лизинговых платежей по письменному заявлению.",
    "Акт составлен в двух экземплярах, имеющих одинаковую юридическую силу, по одному для каждой из сторон.",
    "Генеральный директор {org} {person} действует на основании устава.",
    "Пробег на дату передачи составляет {km} километров, комплектность проверена, замечаний нет.",
    "Счёт подлежит оплате в течение пяти банковских дней с даты выставления.",
]
PEOPLE = ["Иванов И. И.", "Петрова А. С.", "Сидоров П. В.", "Кузнецова Е. Н.", "Смирнов Д. А.", "Попова О. Г."]
LETTERS = "АВЕКМНОРСТУХ"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def money(rng) -> str:
    return f"{rng.randint(10_000, 9_000_000):,}".replace(",", " ") + f",{rng.randint(0, 99):02d}"


def sentence_pool(rng, size: int) -> list[str]:
    pool = []
    for _ in range(size):
        make, model = rng.choice(MAKES)
        d = date(2021, 1, 1) + timedelta(days=rng.randint(0, 2000))
        pool.append(
            rng.choice(SENTENCES).format(
                make=make,
                model=model,
                year=rng.randint(2018, 2026),
                vin="".join(rng.choice(VIN_CHARS) for _ in range(17)),
                money=money(rng),
                vat=money(rng),
                day=rng.randint(1, 28),
                date=d.strftime("%d.%m.%Y"),
                period=f"{rng.choice(['I', 'II', 'III', 'IV'])} квартал {d.year} года",
                city=rng.choice(CITIES),
                street=rng.choice(STREETS),
                house=rng.randint(1, 200),
                insurer=rng.choice(INSURERS),
                plate=f"{rng.choice(LETTERS)} {rng.randint(1, 999):03d} {rng.choice(LETTERS)}{rng.choice(LETTERS)} {rng.choice([77, 78, 97, 116, 178, 199])}",
                rate=rng.choice(["0,1", "0,05", "0,2"]),
                org=f"ООО «{rng.choice(ORG_WORDS)}{rng.choice(ORG_WORDS).lower()}»",
                person=rng.choice(PEOPLE),
                km=rng.randint(5, 150_000),
            )
        )
    return pool


def paragraphs(rng, sentences: list[str], size: int) -> list[str]:
    """Paragraphs of 2–5 sentences of the pool: a document's text is two of them (4–10 sentences)."""
    return [" ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5))) for _ in range(size)]


# --- COPY and INSERT … SELECT with the model's defaults for the columns not named --------------------


def _defaults(model, named: list[str], now: datetime) -> tuple[list[str], list]:
    from django.db import connection, models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in named or field.primary_key or getattr(field, "generated", False):
            continue
        value: Any
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            value = now
        elif field.has_default():
            value = field.get_default()
            # JSON as text for COPY; money (kopecks) and the rest as the database stores them.
            value = (
                json.dumps(value) if isinstance(field, models.JSONField) else field.get_db_prep_save(value, connection)
            )
        elif field.null:
            value = None
        elif isinstance(field, models.CharField | models.TextField) and field.blank:
            value = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name}: no value and no default")
        columns.append(field.column)
        values.append(value)
    return columns, values


def copy_rows(cursor, model, named: list[str], rows, now: datetime) -> int:
    extra_columns, extra_values = _defaults(model, named, now)
    columns = ", ".join(f'"{c}"' for c in [*named, *extra_columns])
    count = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row((*row, *extra_values))
            count += 1
    return count


def insert_sql(cursor, model, expressions: dict[str, str], now: datetime, skip: tuple[str, ...] = ()) -> str:
    """`INSERT INTO table (columns) SELECT expressions, defaults` without its FROM: the named columns from
    SQL expressions, the others the model's defaults as literals (so the statement takes named params).
    The expressions use `mod()`, never `%`: the statement goes through psycopg's parameter parsing."""
    from psycopg import sql

    extra_columns, extra_values = _defaults(model, [*expressions, *skip], now)
    columns = ", ".join(f'"{c}"' for c in [*expressions, *extra_columns])
    literals = [sql.Literal(v).as_string(cursor).replace("%", "%%") for v in extra_values]
    select = ", ".join([*expressions.values(), *literals])
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) SELECT {select}'


# --- loading in parallel -----------------------------------------------------------------------------

# Session settings while loading. Foreign-key checks are triggers: `replica` skips them (the rows are
# consistent by construction; the constraints stay and are valid), the rest is speed.
SESSION = [
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '1GB'",
    "SET session_replication_role = replica",
    "SET jit = off",  # compiling costs more than it saves on these statements
    "SET default_toast_compression = lz4",  # documents' text and vector: pglz costs 1.7× the time
]
RESET = [
    "RESET synchronous_commit",
    "RESET work_mem",
    "RESET maintenance_work_mem",
    "RESET session_replication_role",
    "RESET jit",
    "RESET default_toast_compression",
]


class Workers:
    """Statements run on `n` extra connections at once (2 cores: the server does the work); on the one
    cursor when the caller holds a transaction (the EXPLAIN test) — others could not see its rows."""

    def __init__(self, connection, cursor, n: int):
        self.cursor = cursor
        self.connections = []
        if n > 1 and not connection.in_atomic_block:
            from psycopg import ClientCursor

            params = connection.get_connection_params()
            for _ in range(n):
                conn = connection.get_new_connection(params)
                conn.autocommit = True
                conn.cursor_factory = ClientCursor  # as Django's: parameters bound client-side
                for statement in SESSION:
                    conn.execute(statement)
                self.connections.append(conn)

    def run(self, jobs: list[tuple[str, dict]]) -> int:
        if not self.connections:
            total = 0
            for statement, params in jobs:
                self.cursor.execute(statement, params or None)
                total += max(self.cursor.rowcount, 0)
            return total
        import threading

        pending = list(reversed(jobs))
        lock = threading.Lock()
        totals: list[int] = [0]
        errors: list[BaseException] = []

        def work(conn):
            with conn.cursor() as cursor:
                while True:
                    with lock:
                        if not pending or errors:
                            return
                        statement, params = pending.pop()
                    try:
                        cursor.execute(statement, params or None)
                    except Exception as error:  # re-raised below
                        with lock:
                            errors.append(error)
                        return
                    with lock:
                        totals[0] += max(cursor.rowcount, 0)

        threads = [threading.Thread(target=work, args=(conn,)) for conn in self.connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return totals[0]

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


def ranges(low: int, high: int, step: int) -> list[tuple[int, int]]:
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


# --- the schedule and the ledger (adapt here when the ledger's columns change) ---------------------

# One row per month of each contract's term, on the contract's own payment day. Payments due before
# `today` are paid, except for the contracts that are behind (every 20th): of their last three months
# the oldest is half paid and the other two are not paid. Money is in kopecks (MoneyField). The
# ledger's payments received and allocations follow in `fill_ledger`: one payment per line with money
# on it, allocated to that line, so the row copies (`paid_amount`, `paid_date`, `is_paid`) are what
# `services.ledger_recompute` computes from them.
DUE = "(c.start_date + make_interval(months => k))::date"
BEHIND = f"(mod(c.id, 20) = 0 AND {DUE} >= %(today)s - 95)"
PAID = f"({DUE} < %(today)s AND NOT {BEHIND})"
HALF = f"({BEHIND} AND {DUE} < %(today)s - 65)"
SCHEDULE_SQL = {
    "organization_id": "c.organization_id",
    "contract_id": "c.id",
    "number": "k",
    "due_date": DUE,
    "amount": "c.amount / t.term",
    "vat_rate": "22",
    "vat_amount": "c.amount / t.term * 22 / 122",
    "paid_amount": f"CASE WHEN {PAID} THEN c.amount / t.term WHEN {HALF} THEN c.amount / t.term / 2 ELSE 0 END",
    "paid_date": f"CASE WHEN {PAID} THEN {DUE} - mod(k, 3) END",  # the ledger dates only lines paid in full
    "is_paid": PAID,
}
SCHEDULE_FROM = """
FROM contracts_contract c
CROSS JOIN LATERAL (SELECT ((c.end_date - c.start_date) / 30)::int AS term) t
CROSS JOIN LATERAL generate_series(1, t.term) AS k
WHERE c.id BETWEEN %(low)s AND %(high)s
"""


def fill_schedule(cursor, workers: Workers, today: date, now: datetime) -> int:
    from kabinet.contracts.models import ScheduledPayment

    insert = insert_sql(cursor, ScheduledPayment, SCHEDULE_SQL, now)
    cursor.execute("SELECT min(id), max(id) FROM contracts_contract")
    low, high = cursor.fetchone()
    jobs = [(f"{insert} {SCHEDULE_FROM}", {"today": today, "low": a, "high": b}) for a, b in ranges(low, high, 10_000)]
    return workers.run(jobs)


def fill_ledger(cursor, workers: Workers, now: datetime) -> int:
    """Payments received and their allocations for the lines with money on them (what the ledger service
    would hold). A payment takes its line's id: the allocation needs no lookup."""
    from kabinet.contracts.models import Allocation, PaymentReceived

    received = insert_sql(
        cursor,
        PaymentReceived,
        {
            "id": "p.id",
            "organization_id": "p.organization_id",
            "contract_id": "p.contract_id",
            "external_id": "'PR-' || p.id",
            "received_on": "coalesce(p.paid_date, p.due_date + 3)",  # the half-paid lines: 3 days late
            "amount": "p.paid_amount",
            "document_number": "mod(p.id, 1000000)::text",
        },
        now,
    )
    allocation = insert_sql(
        cursor,
        Allocation,
        {"organization_id": "p.organization_id", "payment_id": "p.id", "line_id": "p.id", "amount": "p.paid_amount"},
        now,
    )
    cursor.execute("SELECT min(id), max(id) FROM contracts_scheduledpayment")
    low, high = cursor.fetchone()
    where = "FROM contracts_scheduledpayment p WHERE p.paid_amount > 0 AND p.id BETWEEN %(low)s AND %(high)s"
    parts = ranges(low, high, 500_000)
    rows = workers.run([(f"{received} {where}", {"low": a, "high": b}) for a, b in parts])
    rows += workers.run([(f"{allocation} {where}", {"low": a, "high": b}) for a, b in parts])
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('contracts_paymentreceived', 'id'), "
        "(SELECT coalesce(max(id), 1) FROM contracts_paymentreceived))"
    )
    return rows


# --- documents and requests, made by the server from word pools -------------------------------------


def _title_sql() -> str:
    """The document's title from its type's template (`DOC_TYPES`), placeholders filled in SQL."""
    makes = ", ".join(f"'{make}'" for make, _ in MAKES)
    models_ = ", ".join(f"'{model}'" for _, model in MAKES)
    insurers = ", ".join(f"'{name}'" for name in INSURERS)
    n = len(MAKES)
    fills = {
        "period": "((extract(month FROM d.day)::int - 1) / 3 + 1) || ' квартал ' || extract(year FROM d.day)::int"
        " || ' года'",
        "n": "d.n::text",
        "date": "to_char(d.day, 'DD.MM.YYYY')",
        "contract": "coalesce(c.number, '')",
        "k": "(mod(d.n, 7) + 1)::text",
        "make": f"(ARRAY[{makes}])[1 + mod(d.n, {n})]",
        "model": f"(ARRAY[{models_}])[1 + mod(d.n, {n})]",
        "insurer": f"(ARRAY[{insurers}])[1 + mod(d.n, {len(INSURERS)})]",
    }
    expression = "t.template"
    for key, fill in fills.items():
        expression = f"replace({expression}, '{{{key}}}', {fill})"
    return f"left({expression}, 255)"


def fill_documents(cursor, workers: Workers, today: date, now: datetime, paragraph_count: int) -> int:
    """5M documents in batches of organizations: type, contract, date and two paragraphs (their vectors
    made once in `bench_para`) picked at random; the vector is the application's (`document_reindex`:
    title A, type B, file name B, text C) with the text's part concatenated from the paragraphs'."""
    from kabinet.documents.models import Document

    expressions = {
        "organization_id": "x.org",
        "direction": "CASE WHEN mod(x.n, 12) = 0 THEN 'uploaded' ELSE 'incoming' END",
        "category": "x.category",
        "doc_type": "x.doc_type",
        "title": "x.title",
        "contract_id": "x.cid",
        "product_id": "x.product_id",
        "document_date": "x.day",
        "file": "'documents/bench/' || x.n || '.pdf'",
        "original_name": "x.original_name",
        "size": "x.size",
        "text": "x.text",
        "search_vector": "setweight(to_tsvector('russian', x.title), 'A') || x.type_vector"
        " || setweight(to_tsvector('russian', x.original_name), 'B') || x.text_vector",
    }
    insert = insert_sql(cursor, Document, expressions, now)
    title = _title_sql()
    select = f"""
    FROM (
      SELECT y.*, CASE WHEN mod(y.n, 3) <> 0 THEN left(y.title, 200) || '.pdf'
                       ELSE 'scan_' || lpad(y.n::text, 7, '0') || '.pdf' END AS original_name
      FROM (
        SELECT d.org, d.n, d.day, d.size, t.category, t.doc_type, t.vector AS type_vector, {title} AS title,
               c.id AS cid, c.product_id, pa.text || ' ' || pb.text AS text, pa.vector || pb.vector AS text_vector
        FROM (
          SELECT o.org_id AS org, o.doc_offset + g AS n,
                 1 + floor(random() * {len(DOC_TYPES)})::int AS type,
                 CASE WHEN o.n_contracts > 0 THEN o.first_contract + floor(random() * o.n_contracts)::bigint END AS cid,
                 %(today)s - floor(1825 * power(random(), 1.4))::int AS day,
                 1 + floor(random() * {paragraph_count})::int AS pa,
                 1 + floor(random() * {paragraph_count})::int AS pb,
                 40000 + floor(random() * 860000)::bigint AS size
          FROM bench_org o CROSS JOIN LATERAL generate_series(1, o.n_docs) AS g
          WHERE o.org_id BETWEEN %(low)s AND %(high)s
        ) d
        JOIN bench_doc_type t ON t.id = d.type
        LEFT JOIN contracts_contract c ON c.id = d.cid
        JOIN bench_para pa ON pa.id = d.pa
        JOIN bench_para pb ON pb.id = d.pb
      ) y
    ) x
    """
    cursor.execute("SELECT org_id, n_docs FROM bench_org ORDER BY org_id")
    jobs, low, count = [], None, 0
    for org_id, n_docs in cursor.fetchall():
        low = org_id if low is None else low
        count += n_docs
        if count >= 50_000:
            jobs.append((f"{insert} {select}", {"today": today, "low": low, "high": org_id}))
            low, count = None, 0
    if low is not None:
        jobs.append((f"{insert} {select}", {"today": today, "low": low, "high": 2**31 - 1}))
    return workers.run(jobs)


def fill_requests(cursor, workers: Workers, now: datetime, sentence_count: int) -> int:
    from kabinet.appeals.models import Appeal

    insert = insert_sql(
        cursor,
        Appeal,
        {
            "organization_id": "d.org",
            "number": "'UC-' || lpad(d.n::text, 7, '0')",
            "kind": "(ARRAY['contract', 'insurance', 'new_leasing'])[1 + mod(d.n, 3)]",
            "contract_id": "d.cid",
            "description": "left(s.text, 500)",
            "status": "(ARRAY['sent', 'in_progress', 'done', 'done', 'done', 'rejected'])[1 + mod(d.n, 6)]",
            "created_at": "d.created",
            "updated_at": "d.created",
        },
        now,
    )
    select = f"""
    FROM (
      SELECT o.org_id AS org, o.req_offset + g AS n,
             CASE WHEN o.n_contracts > 0 THEN o.first_contract + floor(random() * o.n_contracts)::bigint END AS cid,
             %(now)s - make_interval(days => floor(1500 * power(random(), 1.5))::int,
                                     mins => floor(random() * 1440)::int) AS created,
             1 + floor(random() * {sentence_count})::int AS sentence
      FROM bench_org o CROSS JOIN LATERAL generate_series(1, o.n_requests) AS g
      WHERE o.org_id BETWEEN %(low)s AND %(high)s
    ) d
    JOIN bench_sentence s ON s.id = d.sentence
    """
    cursor.execute("SELECT min(org_id), max(org_id) FROM bench_org")
    low, high = cursor.fetchone()
    return workers.run([(f"{insert} {select}", {"now": now, "low": a, "high": b}) for a, b in ranges(low, high, 5_000)])


# --- indexes off while loading -----------------------------------------------------------------------


def drop_secondary_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the indexes that back no constraint; return their definitions to build them again."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [tables],
    )
    found = cursor.fetchall()
    for name, _ in found:
        cursor.execute(f'DROP INDEX "{name}"')
    # The GIN index (the longest, not parallel) first, so the btrees share the other connection.
    return sorted((definition for _, definition in found), key=lambda d: "USING gin" not in d)


STAGING = ["bench_org", "bench_sentence", "bench_para", "bench_doc_type"]


# --- the generator ------------------------------------------------------------------------------------


def generate(connection, tier_name: str, *, seed: int = 12, out=print, workers: int = 2) -> dict:
    """Fill a migrated, empty PostgreSQL database. Returns what it made (counts, the largest organization)."""
    from django.contrib.auth.hashers import make_password
    from stdnum.ru import inn as inn_check

    from kabinet.accounts.models import User
    from kabinet.appeals.models import Appeal
    from kabinet.contracts.models import Allocation, BooksDebt, Contract, LeasedItem, PaymentReceived
    from kabinet.creditors.models import Creditor, Product
    from kabinet.documents.models import Document
    from kabinet.notifications.models import Notification
    from kabinet.organizations.models import Membership, Organization

    tier = TIERS[tier_name]
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = date.today()
    stats: dict = {"tier": tier_name, "tables": {}}
    started_all = time.perf_counter()

    def timed(label, fn):
        started = time.perf_counter()
        rows = fn()
        elapsed = time.perf_counter() - started
        stats["tables"][label] = {"rows": rows, "seconds": round(elapsed, 2)}
        out(f"  {label:22} {rows:>10,} rows in {elapsed:7.1f} s = {rows / max(elapsed, 1e-6):>10,.0f} rows/s")
        return rows

    creditor = Creditor.objects.create(
        name="АО «БАЛТЛИЗ»",
        short_name="БАЛТЛИЗ",
        inn="7812345675",
        bank_name="ПАО Сбербанк",
        bic="044030653",
        settlement_account="40702810755000012345",
        correspondent_account="30101810500000000653",
        is_default=True,
        memo="Оплачивайте по счёту.\n\nВопросы — в «Центр поддержки».",
    )
    products = [Product.objects.create(creditor=creditor, name=n) for n in ("Автолизинг", "Спецтехника", "Грузовой")]
    contracts_per_org = shares(tier.contracts, tier.top_contracts, tier.orgs)
    documents_per_org = shares(tier.documents, tier.top_documents, tier.orgs)
    requests_per_org = shares(tier.requests, max(1, tier.requests // 50), tier.orgs)

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor: COPY
        for statement in SESSION:
            cursor.execute(statement)
        pool = Workers(connection, cursor, workers)
        tables = [
            m._meta.db_table
            for m in (
                Organization,
                Contract,
                LeasedItem,
                Document,
                Appeal,
                BooksDebt,
                Membership,
                PaymentReceived,
                Allocation,
            )
        ] + ["contracts_scheduledpayment"]
        indexes = drop_secondary_indexes(cursor, tables)
        cursor.execute("SELECT nextval(pg_get_serial_sequence('organizations_organization', 'id'))")
        first_org = cursor.fetchone()[0] + 1

        def organizations():
            for i in range(tier.orgs):
                base = f"77{i + 1:07d}"
                name = f"ООО «{ORG_WORDS[i % 20]}{ORG_WORDS[(i // 20) % 20].lower()}-{i + 1}»"
                yield (first_org + i, name, base + inn_check.calc_company_check_digit(base), "active", now)

        timed(
            "organizations",
            lambda: copy_rows(
                cursor, Organization, ["id", "name", "inn", "status", "data_as_of"], organizations(), now
            ),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('organizations_organization', 'id'), %s)", [first_org + tier.orgs]
        )
        org_ids = [first_org + i for i in range(tier.orgs)]

        password = make_password(ADMIN_PASSWORD)
        admins = min(tier.orgs, 50)
        timed(
            "users",
            lambda: copy_rows(
                cursor,
                User,
                ["phone", "password", "full_name", "is_active", "date_joined"],
                ((f"+7900{i + 1:07d}", password, f"Администратор {i + 1}", True, now) for i in range(admins)),
                now,
            ),
        )
        users = dict(User.objects.values_list("phone", "pk"))
        timed(
            "memberships",
            lambda: copy_rows(
                cursor,
                Membership,
                ["user_id", "organization_id", "role", "status"],
                ((users[f"+7900{i + 1:07d}"], org_ids[i], "admin", "active") for i in range(admins)),
                now,
            ),
        )

        cursor.execute("SELECT nextval(pg_get_serial_sequence('contracts_contract', 'id'))")
        first_contract = cursor.fetchone()[0] + 1
        contract_count = 0

        def contracts():
            nonlocal contract_count
            cid = first_contract
            for org_id, n in zip(org_ids, contracts_per_org, strict=True):
                for k in range(n):
                    # More contracts recently: start dates skewed towards today, over five years.
                    start = today - timedelta(days=int(1825 * rng.random() ** 1.6))
                    term = rng.choice((12, 24, 36, 36, 36, 48, 60))
                    end = start + timedelta(days=30 * term + 1)
                    product = products[0] if rng.random() < 0.7 else rng.choice(products[1:])
                    number = (
                        f"{'АЛ' if product is products[0] else 'СТ'}-{start.year % 100:02d}-{org_id:05d}-{k + 1:05d}"
                    )
                    amount = rng.randint(1_200_000, 12_000_000) * 100  # kopecks
                    status = "closed" if end < today else "active"
                    yield (cid, org_id, number, product.pk, status, amount, start, start, end, now, now)
                    cid += 1
            contract_count = cid - first_contract

        timed(
            "contracts",
            lambda: copy_rows(
                cursor,
                Contract,
                [
                    "id",
                    "organization_id",
                    "number",
                    "product_id",
                    "status",
                    "amount",
                    "signed_on",
                    "start_date",
                    "end_date",
                    "created_at",
                    "updated_at",
                ],
                contracts(),
                now,
            ),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('contracts_contract', 'id'), %s)", [first_contract + contract_count]
        )

        timed(
            "leased items",
            lambda: pool.run(
                [
                    (
                        insert_sql(
                            cursor,
                            LeasedItem,
                            {
                                "organization_id": "c.organization_id",
                                "contract_id": "c.id",
                                "make": f"(ARRAY[{', '.join(repr(m) for m, _ in MAKES)}])[1 + mod(c.id, {len(MAKES)})]",
                                "model": f"(ARRAY[{', '.join(repr(m) for _, m in MAKES)}])[1 + mod(c.id, {len(MAKES)})]",
                                "vin": "left('XW8' || lpad(c.id::text, 14, '0'), 17)",
                                "plate": "substr(%(letters)s::text, (1 + mod(c.id, 12))::int, 1) || lpad(mod(c.id, 1000)::text, 3, '0')"
                                " || substr(%(letters)s::text, (1 + mod(c.id / 12, 12))::int, 1)"
                                " || substr(%(letters)s::text, (1 + mod(c.id / 144, 12))::int, 1) || (78 + mod(c.id, 3) * 100)",
                                "year": "2018 + mod(c.id, 8)",
                            },
                            now,
                        )
                        + " FROM contracts_contract c WHERE c.id BETWEEN %(low)s AND %(high)s",
                        {"letters": LETTERS, "low": first_contract, "high": first_contract + contract_count},
                    )
                ]
            ),
        )
        timed("scheduled payments", lambda: fill_schedule(cursor, pool, today, now))
        timed("payments, allocations", lambda: fill_ledger(cursor, pool, now))
        timed(
            "debts by the books",
            lambda: pool.run(
                [
                    (
                        insert_sql(
                            cursor,
                            BooksDebt,
                            {
                                "organization_id": "p.organization_id",
                                "contract_id": "p.contract_id",
                                "amount": "sum(p.amount - p.paid_amount)",
                                "penalty": "sum(p.amount - p.paid_amount) / 100",
                                "as_of": "%(today)s",
                                # The ledger's copies on the books' date (`ledger_recompute` keeps them): the
                                # same sums, as the books agree with the ledger; no penalties are generated.
                                "ledger_amount": "sum(p.amount - p.paid_amount)",
                                "ledger_penalty": "0",
                                # No advance on the date (every payment paid its line); Σ charges due
                                # before it − Σ payments = what is unpaid of them.
                                "ledger_advance": "0",
                                "ledger_balance": "sum(p.amount - p.paid_amount)",
                            },
                            now,
                        )
                        + " FROM contracts_scheduledpayment p WHERE NOT p.is_paid AND p.due_date < %(today)s"
                        " GROUP BY p.organization_id, p.contract_id",
                        {"today": today},
                    )
                ]
            ),
        )

        # Staging for the server-side generation: organizations' shares and contract ranges, the text pools.
        started_pools = time.perf_counter()
        for table in STAGING:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_org (org_id bigint PRIMARY KEY, first_contract bigint, n_contracts int,"
            " n_docs int, doc_offset bigint, n_requests int, req_offset bigint)"
        )
        with cursor.copy("COPY bench_org FROM STDIN") as copy:
            first, doc_offset, req_offset = first_contract, 0, 0
            for org_id, n_c, n_d, n_r in zip(
                org_ids, contracts_per_org, documents_per_org, requests_per_org, strict=True
            ):
                copy.write_row((org_id, first, n_c, n_d, doc_offset, n_r, req_offset))
                first, doc_offset, req_offset = first + n_c, doc_offset + n_d, req_offset + n_r
        sentences = sentence_pool(rng, 20_000)
        paras = paragraphs(rng, sentences, min(50_000, max(2_000, tier.documents // 4)))
        cursor.execute("CREATE UNLOGGED TABLE bench_sentence (id int PRIMARY KEY, text text)")
        with cursor.copy("COPY bench_sentence FROM STDIN") as copy:
            for i, text in enumerate(sentences, 1):
                copy.write_row((i, text))
        cursor.execute("CREATE UNLOGGED TABLE bench_para_text (id int, text text)")
        with cursor.copy("COPY bench_para_text FROM STDIN") as copy:
            for i, text in enumerate(paras, 1):
                copy.write_row((i, text))
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_para AS SELECT id, text,"
            " setweight(to_tsvector('russian', text), 'C') AS vector FROM bench_para_text"
        )
        cursor.execute("DROP TABLE bench_para_text")
        cursor.execute("ALTER TABLE bench_para ADD PRIMARY KEY (id)")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_doc_type (id int PRIMARY KEY, doc_type text, category text, template text,"
            " vector tsvector)"
        )
        with cursor.copy("COPY bench_doc_type (id, doc_type, category, template) FROM STDIN") as copy:
            for i, (doc_type, category, template) in enumerate(DOC_TYPES, 1):
                copy.write_row((i, doc_type, category, template))
        cursor.execute("UPDATE bench_doc_type SET vector = setweight(to_tsvector('russian', doc_type), 'B')")
        for table in STAGING:
            cursor.execute(f"ANALYZE {table}")
        out(
            f"  {'text pools':22} {len(sentences):>10,} sentences, {len(paras):,} paragraphs in "
            f"{time.perf_counter() - started_pools:.1f} s"
        )

        timed("documents", lambda: fill_documents(cursor, pool, today, now, len(paras)))
        timed("requests", lambda: fill_requests(cursor, pool, now, len(sentences)))
        admin = users[ADMIN_PHONE]
        timed(
            "notifications",
            lambda: copy_rows(
                cursor,
                Notification,
                ["organization_id", "user_id", "kind", "title", "read_at"],
                (
                    (org_ids[0], admin, "new_document", f"Новый документ № {i}", None if i < 5 else now)
                    for i in range(40)
                ),
                now,
            ),
        )
        for table in STAGING:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

        from bench.bare import create_table

        timed("page B's table", lambda: create_table(cursor, 1_000_000 if tier_name != "S" else 20_000))
        started = time.perf_counter()
        pool.run([(definition, {}) for definition in indexes])
        out(f"  {'indexes':22} {len(indexes):>10} built in {time.perf_counter() - started:7.1f} s")

        def debt_summary() -> int:
            # The main page's overdue debt as the ledger keeps it (ledger/summary.py): what the nightly job
            # and every ledger write keep; made here for the day of the generation.
            from django.utils import timezone

            from kabinet.contracts import ledger
            from kabinet.contracts.models import DebtRow

            ledger.rebuild_debt_summaries(today=timezone.localdate())
            return DebtRow.objects.count()

        timed("debt summary", debt_summary)
        started = time.perf_counter()
        # VACUUM sets the visibility map (index-only scans); it cannot run inside a transaction.
        if connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY n_live_tup DESC"
            )
            pool.run([(f'VACUUM (ANALYZE) "{name}"', {}) for (name,) in cursor.fetchall()])
        out(f"  {'vacuum, analyze':22} {'':>10} done  in {time.perf_counter() - started:7.1f} s")
        pool.close()
        for statement in RESET:
            cursor.execute(statement)
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]

    total_rows = sum(t["rows"] for t in stats["tables"].values())
    elapsed = time.perf_counter() - started_all
    stats.update(
        seconds=round(elapsed, 1),
        rows=total_rows,
        database_bytes=size,
        largest_org_id=org_ids[0],
        admin_phone=ADMIN_PHONE,
    )
    out(
        f"tier {tier_name}: {total_rows:,} rows in {elapsed:.1f} s = {total_rows / elapsed:,.0f} rows/s; "
        f"database size {size / 2**20:,.0f} MB"
    )
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="M")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    # The app's per-statement limit (DB_STATEMENT_TIMEOUT, 30 s) is for requests: building the documents'
    # GIN index over millions of rows takes minutes.
    os.environ.setdefault("DB_STATEMENT_TIMEOUT", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    print(f"database {name}: migrating")
    call_command("migrate", verbosity=0)
    print(f"generating tier {args.tier}")
    stats = generate(connection, args.tier, seed=args.seed)
    stats_path = Path(__file__).resolve().parent / "var" / f"generated-{name}.json"
    stats_path.parent.mkdir(exist_ok=True)
    stats_path.write_text(json.dumps(stats, indent=2, default=str))


if __name__ == "__main__":
    main()
