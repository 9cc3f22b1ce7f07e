"""The fixed cost of a request: the queries each client page may run, and the
per-user header cache that makes them few — invalidated by every kind of write, with the local-memory
cache and with Redis."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.contracts.models import InsurancePolicy
from kabinet.contracts.services import ledger_recompute
from kabinet.creditors.models import Creditor
from kabinet.documents.tests.conftest import make_document
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify, notifications_mark_read
from kabinet.organizations.models import Membership, Organization
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    DebtFactory,
    LeasedItemFactory,
    ScheduledPaymentFactory,
)

TODAY = timezone.localdate()

# The goals: main ≤ 6, contracts ≤ 6, documents ≤ 7, card ≤ 7, htmx fragments ≤ 4.
BUDGETS = [
    ("main", "/dashboard/", {}, 6),
    ("contracts", "/contracts/", {}, 6),
    ("contracts, deep page", "/contracts/?page=3", {}, 6),
    ("contracts, VIN search", "/contracts/?q=XW8AN2NE5JH0", {}, 6),
    ("contracts, plate search", "/contracts/?q=a123bc", {}, 6),
    ("documents", "/documents/", {}, 7),
    ("documents, word search", "/documents/?q=акт", {}, 7),
    ("documents, contract filter", "/documents/?contract=AL-0001", {}, 7),
    ("card", "/contracts/{card}/", {}, 7),
    ("card tab fragment", "/contracts/{card}/items/", {"HX-Request": "true"}, 4),
    ("calendar «Показать еще» fragment", "{more}", {"HX-Request": "true"}, 4),
    ("debt «Показать еще» fragment", "{debt_more}", {"HX-Request": "true"}, 4),
    ("documents results fragment", "/documents/?q=акт", {"HX-Request": "true"}, 4),
    ("contract picker fragment", "/documents/contracts/?contract=AL-00", {"HX-Request": "true"}, 4),
]


@pytest.fixture
def volume(org_a, products):
    """Enough of everything that every page shows full pages and a second page."""
    contracts = []
    for n in range(45):
        contract = ContractFactory(
            organization=org_a, product=products["auto"], number=f"AL-{n:04d}", start_date=TODAY - timedelta(days=n)
        )
        contracts.append(contract)
        LeasedItemFactory(contract=contract, vin=f"XW8AN2NE5JH0{n:05d}", plate=f"А{n % 1000:03d}ВС78")
        for k in range(3):
            ScheduledPaymentFactory(contract=contract, number=k + 1, due_date=TODAY + timedelta(days=10 * k + n % 7))
        if n % 4 == 0:  # overdue: the debt block lists it (its sums come from one query however many)
            ScheduledPaymentFactory(contract=contract, number=4, due_date=TODAY - timedelta(days=30 + n))
        if n % 5 == 0:
            DebtFactory(contract=contract, amount=Decimal("1000"))
    card = contracts[0]
    InsurancePolicy.objects.create(
        organization=org_a, contract=card, insurer="X", policy_number="1", start_date=TODAY, end_date=TODAY
    )
    for n in range(45):
        make_document(
            org_a,
            title=f"Акт сверки {n}",
            contract=contracts[n % 3],
            day=date(2026, 1, 1) + timedelta(days=n),
            text="акт сверки взаимных расчётов",
        )
    members_notify(org=org_a, kind="key_rate", title="Ключевая ставка")
    # The ledger's copies (paid amounts, the books' check) as every write through the API leaves them.
    ledger_recompute(org_id=org_a.pk, contract_ids=[c.pk for c in contracts])
    return card


@pytest.mark.parametrize(
    ("name", "url", "headers", "budget"),
    BUDGETS,
    ids=[b[0] for b in BUDGETS],
)
def test_every_page_stays_within_its_query_budget(client_a, volume, name, url, headers, budget):
    if url in ("{more}", "{debt_more}"):
        import re

        html = client_a.get("/dashboard/").content.decode()
        param = "after" if url == "{more}" else "debt_after"
        match = re.search(rf'hx-get="(\?{param}=[^"]+)"', html)
        assert match
        url = "/dashboard/" + match.group(1).replace("&amp;", "&")
    url = url.format(card=volume.pk)
    assert client_a.get(url, headers=headers).status_code == 200  # the first request fills the header cache
    with CaptureQueriesContext(connection) as ctx:
        response = client_a.get(url, headers=headers)
    assert response.status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) <= budget, f"{name}: {len(queries)} queries > {budget}\n" + "\n".join(queries)


def test_a_fragment_runs_no_header_work(client_a, volume):
    client_a.get("/dashboard/")
    with CaptureQueriesContext(connection) as ctx:
        client_a.get(f"/contracts/{volume.pk}/items/", headers={"HX-Request": "true"})
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert 'FROM "notifications_notification"' not in sql
    assert 'FROM "creditors_creditor"' not in sql
    assert 'FROM "organizations_membership"' not in sql


# --- the cache is invalidated by every kind of write ------------------------------------------


def _sees_org(client) -> bool:
    return client.get("/contracts/").status_code == 200


def test_a_membership_deactivated_by_save_loses_access_at_once(client_a, admin_a, org_a):
    assert _sees_org(client_a)
    membership = Membership.objects.get(user=admin_a, organization=org_a)
    membership.status = Membership.Status.INACTIVE
    membership.save()
    assert not _sees_org(client_a)


def test_a_membership_deactivated_by_a_bulk_update_loses_access_at_once(client_a, admin_a, org_a):
    assert _sees_org(client_a)
    Membership.objects.filter(user=admin_a).update(status=Membership.Status.INACTIVE)
    assert not _sees_org(client_a)


def test_a_deleted_membership_loses_access_at_once(client_a, admin_a, org_a):
    assert _sees_org(client_a)
    Membership.objects.filter(user=admin_a).delete()
    assert not _sees_org(client_a)


def test_an_organization_switched_off_by_update_loses_access_and_a_rename_shows(client_a, org_a):
    assert "ООО «Альфа»" in client_a.get("/contracts/").content.decode()
    org = Organization.objects.get(pk=org_a.pk)
    org.name = "ООО «Альфа-Новая»"
    org.save()
    assert "ООО «Альфа-Новая»" in client_a.get("/contracts/").content.decode()
    Organization.objects.filter(pk=org_a.pk).update(status=Organization.Status.PENDING)
    assert not _sees_org(client_a)


def test_a_new_membership_shows_in_the_switcher_at_once(client_a, admin_a, org_b):
    assert "ООО «Бета»" not in client_a.get("/contracts/").content.decode()
    Membership.objects.create(user=admin_a, organization=org_b, status=Membership.Status.ACTIVE)
    assert "ООО «Бета»" in client_a.get("/contracts/").content.decode()


def test_creditor_changes_show_in_the_header_at_once(client_a, creditor, org_a):
    assert creditor.short_name in client_a.get("/contracts/").content.decode()
    Creditor.objects.filter(pk=creditor.pk).update(short_name="НОВЫЙ")
    assert "НОВЫЙ" in client_a.get("/contracts/").content.decode()
    second = CreditorFactory(short_name="ВТОРОЙ")
    assert "ВТОРОЙ" in client_a.get("/contracts/").content.decode()
    second.delete()
    assert "ВТОРОЙ" not in client_a.get("/contracts/").content.decode()


def _badge(client) -> str:
    html = client.get("/contracts/").content.decode()
    marker = 'badge rounded-pill text-bg-danger ms-1">'
    return html.split(marker, 1)[1].split("<", 1)[0] if marker in html else "0"


def test_the_unread_count_follows_new_and_read_notifications(client_a, admin_a, org_a):
    assert _badge(client_a) == "0"
    members_notify(org=org_a, kind="key_rate", title="Ставка")  # bulk_create: no signal
    members_notify(org=org_a, kind="key_rate", title="Ставка 2")
    assert _badge(client_a) == "2"
    one = Notification.objects.filter(user=admin_a).first()
    assert one is not None
    one.read_at = timezone.now()
    one.save()
    assert _badge(client_a) == "1"
    notifications_mark_read(org=org_a, user=admin_a)  # a queryset update: no signal
    assert _badge(client_a) == "0"


def test_a_write_inside_a_transaction_is_seen_after_commit(client_a, admin_a, django_capture_on_commit_callbacks):
    assert _sees_org(client_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Membership.objects.filter(user=admin_a).update(status=Membership.Status.INACTIVE)
    assert callbacks, "the generation is bumped again after commit"
    assert not _sees_org(client_a)


# --- the same with Redis (production's cache) --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_cache(settings, tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (apt-get install redis-server); CI installs it"
    port = _free_port()
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen([server, *arguments], stdout=subprocess.DEVNULL)  # noqa: S603 (our own test server)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        caches["default"].clear()
        yield caches["default"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_the_header_is_cached_and_invalidated(redis_cache, client_a, admin_a, org_a, volume):
    client_a.get("/dashboard/")
    assert any(key.startswith(b":1:kb:h:mem:") for key in redis_cache._cache.get_client().keys("*"))
    with CaptureQueriesContext(connection) as ctx:
        client_a.get("/dashboard/")
    assert "organizations_membership" not in " ".join(q["sql"] for q in ctx.captured_queries)
    members_notify(org=org_a, kind="key_rate", title="Ставка")
    assert _badge(client_a) == "2"
    Membership.objects.filter(user=admin_a).update(status=Membership.Status.INACTIVE)
    assert not _sees_org(client_a)
