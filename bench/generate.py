"""Generate a realistic, heavy-tailed data set on PostgreSQL with COPY (issue 12).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench .venv/bin/python bench/generate.py --tier M

The database named in DATABASE_URL is dropped, created, migrated and filled. Tiers:

| tier | organizations | contracts | scheduled payments | documents | requests | largest organization |
|---|---|---|---|---|---|---|
| S (CI, seconds) | 300 | 3,000 | ~108,000 | 12,000 | 3,000 | 500 contracts, 3,000 documents |
| M (`make bench-quick`) | 5,000 | 25,000 | ~900,000 | 150,000 | 25,000 | 5,000 contracts, 100,000 documents |
| L (`make bench`) | 50,000 | 250,000 | ~9,000,000 | 5,000,000 | 500,000 | 5,000 contracts, 100,000 documents |

Every organization but the largest gets a Pareto-like share (rank^-0.6) of the rest: a few hundred
contracts for the next ones, one or two for most. Contracts run 12–60 months from start dates spread
over five years (more of them recent), with a payment day of their own, so due dates spread over every
day of the month and across years; payments due before today are paid (5 % of contracts are behind).
Documents carry Russian text built from a pool of sentences of leasing paperwork with names, sums,
dates, VINs and addresses filled in, and the same full-text vector the application builds.

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


# --- COPY with the model's defaults for the columns not named ---------------------------------------


def _defaults(model, named: list[str], now: datetime) -> tuple[list[str], list]:
    from django.db import connection, models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in named or field.primary_key or getattr(field, "generated", False):
            continue
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


def insert_select(cursor, model, expressions: dict[str, str], from_sql: str, params, now: datetime) -> int:
    """INSERT … SELECT with SQL expressions for the named columns and the model's defaults for the rest."""
    extra_columns, extra_values = _defaults(model, list(expressions), now)
    columns = ", ".join(f'"{c}"' for c in [*expressions, *extra_columns])
    select = ", ".join([*expressions.values(), *["%s"] * len(extra_values)])
    cursor.execute(
        f'INSERT INTO "{model._meta.db_table}" ({columns}) SELECT {select} {from_sql}', [*extra_values, *params]
    )
    return cursor.rowcount


# --- the schedule (adapt here when the ledger's columns change) -------------------------------------

# One row per month of each contract's term, on the contract's own payment day. Payments due before
# `today` are paid, except for the contracts that are behind (every 20th), whose last three are not.
# Money is in kopecks (MoneyField). The ledger's payments received and allocations follow in
# `fill_ledger`: one payment per paid line, allocated to it, so the flags match the ledger.
SCHEDULE_SQL = {
    "organization_id": "c.organization_id",
    "contract_id": "c.id",
    "number": "k",
    "due_date": "(c.start_date + make_interval(months => k))::date",
    "amount": "c.amount / t.term",
    "vat_rate": "22",
    "vat_amount": "c.amount / t.term * 22 / 122",
    "paid_amount": "CASE WHEN {paid} THEN c.amount / t.term ELSE 0 END",
    "paid_date": "CASE WHEN {paid} THEN (c.start_date + make_interval(months => k))::date - (k %% 3) END",
    "is_paid": "{paid}",
}
SCHEDULE_PAID = (
    "((c.start_date + make_interval(months => k))::date < %(today)s "
    "AND NOT (c.id %% 20 = 0 AND (c.start_date + make_interval(months => k))::date >= %(today)s - 95))"
)
SCHEDULE_FROM = """
FROM contracts_contract c
CROSS JOIN LATERAL (SELECT ((c.end_date - c.start_date) / 30)::int AS term) t
CROSS JOIN LATERAL generate_series(1, t.term) AS k
WHERE c.id BETWEEN %(low)s AND %(high)s
"""


def fill_schedule(cursor, today: date, now: datetime) -> int:
    from kabinet.contracts.models import ScheduledPayment

    expressions = {column: sql.format(paid=SCHEDULE_PAID) for column, sql in SCHEDULE_SQL.items()}
    cursor.execute("SELECT min(id), max(id) FROM contracts_contract")
    low, high = cursor.fetchone()
    total, step = 0, 20_000
    extra_columns, extra_values = _defaults(ScheduledPayment, list(expressions), now)
    columns = ", ".join(f'"{c}"' for c in [*expressions, *extra_columns])
    from psycopg import sql

    literals = [sql.Literal(v).as_string(cursor).replace("%", "%%") for v in extra_values]
    select = ", ".join([*expressions.values(), *literals])
    for start in range(low, high + 1, step):
        cursor.execute(
            f'INSERT INTO "{ScheduledPayment._meta.db_table}" ({columns}) SELECT {select} {SCHEDULE_FROM}',
            {"today": today, "low": start, "high": start + step - 1},
        )
        total += cursor.rowcount
    return total


def fill_ledger(cursor, now: datetime) -> int:
    """Payments received and their allocations for the paid lines (what the ledger service would hold)."""
    from kabinet.contracts.models import Allocation, PaymentReceived

    rows = insert_select(
        cursor,
        PaymentReceived,
        {
            "organization_id": "p.organization_id",
            "contract_id": "p.contract_id",
            "external_id": "'PR-' || p.id",
            "received_on": "p.paid_date",
            "amount": "p.amount",
            "document_number": "(p.id %% 1000000)::text",
        },
        "FROM contracts_scheduledpayment p WHERE p.is_paid",
        [],
        now,
    )
    rows += insert_select(
        cursor,
        Allocation,
        {
            "organization_id": "p.organization_id",
            "payment_id": "r.id",
            "line_id": "p.id",
            "amount": "p.amount",
        },
        "FROM contracts_paymentreceived r JOIN contracts_scheduledpayment p "
        "ON p.organization_id = r.organization_id AND r.external_id = 'PR-' || p.id",
        [],
        now,
    )
    return rows


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
    return [definition for _, definition in found]


# --- the generator ------------------------------------------------------------------------------------


def generate(connection, tier_name: str, *, seed: int = 12, out=print) -> dict:
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
        contract_meta: list[tuple[int, int, str, int]] = []  # (id, org id, number, product id)

        def contracts():
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
                    contract_meta.append((cid, org_id, number, product.pk))
                    status = "closed" if end < today else "active"
                    yield (cid, org_id, number, product.pk, status, amount, start, start, end, now, now)
                    cid += 1

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
            "SELECT setval(pg_get_serial_sequence('contracts_contract', 'id'), %s)",
            [first_contract + len(contract_meta)],
        )

        def items():
            for cid, org_id, _number, _product in contract_meta:
                make, model = MAKES[cid % len(MAKES)]
                vin = f"XW8{cid:014d}"[:17]
                plate = f"{LETTERS[cid % 12]}{cid % 1000:03d}{LETTERS[(cid // 12) % 12]}{LETTERS[(cid // 144) % 12]}{78 + (cid % 3) * 100}"
                yield (org_id, cid, make, model, vin, plate, 2018 + cid % 8)

        timed(
            "leased items",
            lambda: copy_rows(
                cursor,
                LeasedItem,
                ["organization_id", "contract_id", "make", "model", "vin", "plate", "year"],
                items(),
                now,
            ),
        )
        timed("scheduled payments", lambda: fill_schedule(cursor, today, now))
        timed("payments, allocations", lambda: fill_ledger(cursor, now))
        timed(
            "debts by the books",
            lambda: insert_select(
                cursor,
                BooksDebt,
                {
                    "organization_id": "p.organization_id",
                    "contract_id": "p.contract_id",
                    "amount": "sum(p.amount - p.paid_amount)",
                    "penalty": "sum(p.amount - p.paid_amount) / 100",
                    "as_of": "CURRENT_DATE",
                },
                "FROM contracts_scheduledpayment p WHERE NOT p.is_paid AND p.due_date < %s "
                "GROUP BY p.organization_id, p.contract_id",
                [today],
                now,
            ),
        )

        by_org: dict[int, list[tuple[int, str, int]]] = {}
        for cid, org_id, number, product in contract_meta:
            by_org.setdefault(org_id, []).append((cid, number, product))
        pool = sentence_pool(rng, 20_000)

        def documents():
            n_doc = 0
            for org_id, count in zip(org_ids, documents_per_org, strict=True):
                own = by_org.get(org_id, [])
                for _ in range(count):
                    n_doc += 1
                    doc_type, category, title = DOC_TYPES[rng.randrange(len(DOC_TYPES))]
                    cid, number, product = own[rng.randrange(len(own))] if own else (None, "", None)
                    d = today - timedelta(days=int(1825 * rng.random() ** 1.4))
                    make, model = MAKES[n_doc % len(MAKES)]
                    name = title.format(
                        period=f"{(d.month - 1) // 3 + 1} квартал {d.year} года",
                        n=n_doc,
                        date=d.strftime("%d.%m.%Y"),
                        contract=number,
                        k=n_doc % 7 + 1,
                        make=make,
                        model=model,
                        insurer=INSURERS[n_doc % len(INSURERS)],
                    )
                    text = " ".join(pool[rng.randrange(len(pool))] for _ in range(rng.randint(4, 9)))
                    direction = "uploaded" if n_doc % 12 == 0 else "incoming"
                    yield (
                        org_id,
                        direction,
                        category,
                        doc_type,
                        name[:255],
                        cid,
                        product,
                        d,
                        f"documents/bench/{n_doc}.pdf",
                        f"{name[:200]}.pdf" if n_doc % 3 else f"scan_{n_doc:07d}.pdf",
                        rng.randint(40_000, 900_000),
                        text,
                    )

        def load_documents():
            started_docs = time.perf_counter()
            cursor.execute("CREATE UNLOGGED TABLE bench_document_stage (LIKE documents_document INCLUDING DEFAULTS)")
            cursor.execute("ALTER TABLE bench_document_stage DROP COLUMN id, DROP COLUMN search_vector")
            columns = [
                "organization_id",
                "direction",
                "category",
                "doc_type",
                "title",
                "contract_id",
                "product_id",
                "document_date",
                "file",
                "original_name",
                "size",
                "text",
            ]
            extra_columns, extra_values = _defaults(Document, columns, now)
            extra_columns = [c for c in extra_columns if c != "search_vector"]
            extra_values = extra_values[: len(extra_columns)]
            names = ", ".join(f'"{c}"' for c in [*columns, *extra_columns])
            count = 0
            with cursor.copy(f"COPY bench_document_stage ({names}) FROM STDIN") as copy:
                for row in documents():
                    copy.write_row((*row, *extra_values))
                    count += 1
            copied = time.perf_counter()
            # The application's vector (`document_reindex`), computed once while moving the rows in.
            cursor.execute(
                f"""
                INSERT INTO documents_document ({names}, search_vector)
                SELECT {names},
                       setweight(to_tsvector('russian', coalesce(title, '')), 'A')
                       || setweight(to_tsvector('russian', coalesce(doc_type, '')), 'B')
                       || setweight(to_tsvector('russian', coalesce(original_name, '')), 'B')
                       || setweight(to_tsvector('russian', coalesce(text, '')), 'C')
                FROM bench_document_stage
                """
            )
            cursor.execute("DROP TABLE bench_document_stage")
            out(f"    (text and COPY {copied - started_docs:.1f} s, vectors {time.perf_counter() - copied:.1f} s)")
            return count

        timed("documents", load_documents)

        kinds = ["contract", "insurance", "new_leasing"]
        statuses = ["sent", "in_progress", "done", "done", "done", "rejected"]

        def requests():
            n = 0
            for org_id, count in zip(org_ids, requests_per_org, strict=True):
                own = by_org.get(org_id, [])
                for _ in range(count):
                    n += 1
                    cid = own[rng.randrange(len(own))][0] if own else None
                    created = now - timedelta(days=int(1500 * rng.random() ** 1.5), minutes=rng.randint(0, 1440))
                    yield (
                        org_id,
                        f"UC-{n:07d}",
                        kinds[n % 3],
                        cid,
                        pool[rng.randrange(len(pool))][:500],
                        statuses[n % len(statuses)],
                        created,
                        created,
                    )

        timed(
            "requests",
            lambda: copy_rows(
                cursor,
                Appeal,
                [
                    "organization_id",
                    "number",
                    "kind",
                    "contract_id",
                    "description",
                    "status",
                    "created_at",
                    "updated_at",
                ],
                requests(),
                now,
            ),
        )
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

        from bench.bare import create_table

        timed("page B's table", lambda: create_table(cursor, 1_000_000 if tier_name != "S" else 20_000))
        started = time.perf_counter()
        for definition in indexes:
            cursor.execute(definition)
        out(f"  {'indexes':22} {len(indexes):>10} built in {time.perf_counter() - started:7.1f} s")
        started = time.perf_counter()
        # VACUUM sets the visibility map (index-only scans); it cannot run inside a transaction.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        out(f"  {'vacuum, analyze':22} {'':>10} done  in {time.perf_counter() - started:7.1f} s")
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
