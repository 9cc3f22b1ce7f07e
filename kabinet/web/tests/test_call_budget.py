"""The call budget: every client page (and page B, the benchmark's floor) makes at most its budget of
Python function calls per request, after a warm-up. Calls are deterministic for a given tree and data,
so this is a count, never a timing. The budgets live in bench/call_budget.json (the measured count plus
a small margin, per database); `python bench/profile_page.py --write-budget` re-measures them in this
very scenario. The speed goals (2.5 × B, fragments 1.2 ×) live in the benchmark, not here."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from freezegun import freeze_time

from bench.bare import BUCKETS
from bench.profile_page import BUDGET_FILE, BUDGET_MARGIN, count_calls, top_callers
from kabinet.accounts.models import User
from kabinet.contracts.ledger import calendar_page
from kabinet.contracts.models import Contract, LeasedItem
from kabinet.contracts.views import CALENDAR_STEP
from kabinet.demo.seed import seed_demo
from kabinet.organizations.middleware import SESSION_KEY
from kabinet.organizations.models import Membership

# The day the data is made and every page is read: pages that depend on «today» read the same rows.
TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)
WRITE = os.environ.get("CALL_BUDGET_WRITE") == "1"
# CALL_BUDGET_EXACT=1 asks for the measured count itself, not the budget: proof that counts are stable.
EXACT = os.environ.get("CALL_BUDGET_EXACT") == "1"
HX = {"HX-Request": "true"}

PAGES = [
    "bench_bare",
    "dashboard",
    "dashboard_calendar_more",
    "contracts",
    "contracts_page_2",
    "contracts_vin_search",
    "contracts_plate_search",
    "contract_card",
    "contract_tab_items",
    "contract_tab_insurance",
    "contract_tab_deal_documents",
    "contract_tab_accounting_documents",
    "documents",
    "documents_word_search",
    "invoices",
    "requests",
    "notifications",
    "support",
    "settings",
    "settings_history",
    "profile_data",
    "profile",
]
measured: dict[str, int] = {}


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data made once for the module, on a frozen day, rolled back at the end."""
    bench_templates = Path(__file__).resolve().parents[3] / "bench" / "templates"
    # Page B's template is a Django template: added to that engine's folders.
    engines: list[dict[str, Any]] = settings.TEMPLATES
    templates = [
        {**engine, "DIRS": [*engine["DIRS"], bench_templates]} if engine["NAME"] == "django" else engine
        for engine in engines
    ]
    with (
        freeze_time(NOW),
        override_settings(
            ROOT_URLCONF="bench.urls",
            TEMPLATES=templates,
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            SMS_BACKEND="kabinet.messaging.sms.LocmemBackend",
            KABINET_PAGE_SIZE=5,
            COMPANY_LOOKUP="local",
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        seed_demo(today=TODAY)
        user = User.objects.get(phone="+79000000001")
        org = Membership.objects.filter(user=user).order_by("pk")[0].organization
        # Page B's table: the ten rows this user's bucket reads (the benchmark fills 1,000,000).
        bucket = user.pk * 7919 % BUCKETS
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_bare_row (id bigint PRIMARY KEY, bucket integer NOT NULL, label text NOT NULL,"
                " amount numeric(16, 2) NOT NULL, day date NOT NULL)"
            )
            cursor.executemany(
                "INSERT INTO bench_bare_row VALUES (%s, %s, %s, %s, %s)",
                [(bucket + k * BUCKETS, bucket, f"Строка № {k}", "1234.56", TODAY) for k in range(10)],
            )
            cursor.execute("CREATE INDEX bench_bare_bucket ON bench_bare_row (bucket, id)")
        # A card with something on its items and insurance tabs.
        contract = (
            Contract.objects.for_org(org)
            .filter(items__isnull=False, insurance_policies__isnull=False)
            .distinct()
            .order_by("pk")[0]
        )
        item = LeasedItem.objects.for_org(org).filter(contract=contract).order_by("pk")[0]
        card = f"/contracts/{contract.pk}/"
        urls = {
            "bench_bare": ("/bench/bare/", {}),
            "dashboard": ("/dashboard/", {}),
            "dashboard_calendar_more": (
                f"/dashboard/?after={calendar_page(org, limit=CALENDAR_STEP, today=TODAY).next_cursor}",
                HX,
            ),
            "contracts": ("/contracts/", {}),
            "contracts_page_2": ("/contracts/?page=2", {}),
            "contracts_vin_search": (f"/contracts/?q={item.vin[-6:]}", {}),
            "contracts_plate_search": (f"/contracts/?{urlencode({'q': item.plate})}", {}),
            "contract_card": (card, {}),
            "contract_tab_items": (f"{card}items/", HX),
            "contract_tab_insurance": (f"{card}insurance/", HX),
            "contract_tab_deal_documents": (f"{card}deal-documents/", HX),
            "contract_tab_accounting_documents": (f"{card}accounting-documents/", HX),
            "documents": ("/documents/", {}),
            "documents_word_search": (f"/documents/?{urlencode({'q': 'договор'})}", {}),
            "invoices": ("/invoices/", {}),
            "requests": ("/requests/", {}),
            "notifications": ("/notifications/", {}),
            "support": ("/support/", {}),
            "settings": ("/settings/", {}),
            "settings_history": ("/settings/history/", {}),
            "profile_data": ("/profile/data/", {}),
            "profile": ("/profile/", {}),
        }
        # Every page once, whichever pages this process measures (pytest -n splits them): what a
        # process keeps after a first request (compiled templates, imports) is then the same for all.
        warm = _signed_in(user, org)
        for url, headers in urls.values():
            warm.get(url, headers=headers)
        yield {"user": user, "org": org, "urls": urls}
        transaction.set_rollback(True)
    if WRITE and measured:
        budgets = json.loads(BUDGET_FILE.read_text()) if BUDGET_FILE.exists() else {}
        budgets["margin"] = BUDGET_MARGIN
        budgets[connection.vendor] = {
            page: {"measured": calls, "budget": math.ceil(calls * (1 + BUDGET_MARGIN))}
            for page, calls in sorted(measured.items())
        }
        BUDGET_FILE.write_text(json.dumps(budgets, indent=2, ensure_ascii=False) + "\n")


def _signed_in(user, org) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = org.pk
    session.save()
    return client


@pytest.fixture
def signed_in(scenario, db):
    return _signed_in(scenario["user"], scenario["org"])


@pytest.mark.parametrize("page", PAGES)
def test_the_page_stays_under_its_call_budget(page, scenario, signed_in):
    url, headers = scenario["urls"][page]
    with freeze_time(NOW):
        calls, stats, response = count_calls(signed_in, url, headers)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    if WRITE:
        measured[page] = calls
        return
    budgets = json.loads(BUDGET_FILE.read_text()).get(connection.vendor, {})
    assert page in budgets, f"{page} has no budget for {connection.vendor}: run bench/profile_page.py --write-budget"
    budget = budgets[page]["measured" if EXACT else "budget"]
    assert calls <= budget, (
        f"{page} ({url}) made {calls:,} function calls, over its budget of {budget:,} "
        f"(measured {budgets[page]['measured']:,}); if the rise is intended, re-baseline with "
        f"`python bench/profile_page.py --write-budget`.\n{top_callers(stats)}"
    )
