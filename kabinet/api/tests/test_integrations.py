"""«Настройки» → «Интеграции»: an administrator issues (the key shown once), lists, revokes the
organization's read-only keys and sets their webhook (the secret shown once); each in «История изменений»."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.api.models import ApiToken, hash_key
from kabinet.audit.models import AuditEvent
from kabinet.core.access import SUDO_KEY
from kabinet.testing.factories import PASSWORD, ContractFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse
from kabinet.testing.http import FakeServer, Reply

LIST = "/settings/integrations/"


@pytest.fixture
def client_a(client_a):
    """The administrator entered the password a minute ago (issuing a key asks for it once in 15 minutes)."""
    session = client_a.session
    session[SUDO_KEY] = time.time() + 600
    session.save()
    return client_a


def api(key: str, **extra) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


def _issue(client, **data):
    return client.post(reverse("integrations:issue"), {"name": "1С:Бухгалтерия", "allowed_ips": "", **data})


@pytest.mark.django_db
def test_an_administrator_issues_a_key_shown_once_and_it_reads_the_client_api(client_a, org_a, admin_a):
    response = _issue(client_a, allowed_ips="127.0.0.1\n10.0.0.0/8")
    assert response.status_code == 200
    key = parse(response).find(data_testid="key").get("value")
    token = ApiToken.objects.get(organization=org_a)
    assert token.is_client and not token.can_write and token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.ip_networks() == ["127.0.0.1/32", "10.0.0.0/8"]
    # The page is answered once with the key; reading it again never shows it.
    again = client_a.get(LIST)
    assert key not in again.content.decode() and f"kb_{token.prefix}_" in again.content.decode()
    assert "Ещё не использовался" in parse(again).find(data_testid="last-used").text

    assert api(key).get("/api/v1/client/contracts/").status_code == 200
    used = parse(client_a.get(LIST)).find(data_testid="last-used").text
    assert "Ещё не использовался" not in used
    # Another address than the allowed ones is refused.
    assert api(key, REMOTE_ADDR="203.0.113.9").get("/api/v1/client/contracts/").status_code == 403

    history = client_a.get(reverse("organizations:history")).content.decode()
    assert "Выпущен ключ API" in history and "1С:Бухгалтерия" in history


@pytest.mark.django_db
def test_a_bad_ip_list_is_an_error_in_russian_next_to_the_field(client_a, org_a):
    response = _issue(client_a, allowed_ips="10.0.0.1\nне адрес")
    assert response.status_code == 400
    field = parse(response).find(data_testid="issue-form")
    assert "Строка 2: «не адрес» — не IP-адрес и не сеть" in field.text
    assert not ApiToken.objects.filter(organization=org_a).exists()
    assert "Обязательное поле" in parse(_issue(client_a, name="  ")).find(data_testid="issue-form").text


@pytest.mark.django_db
def test_a_revoked_key_is_refused_at_once_and_the_history_says_so(client_a, org_a):
    key = parse(_issue(client_a)).find(data_testid="key").get("value")
    token = ApiToken.objects.get(organization=org_a)
    reader = api(key)
    assert reader.get("/api/v1/client/requests/").status_code == 200
    response = client_a.post(reverse("integrations:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert reader.get("/api/v1/client/requests/").status_code == 401
    assert AuditEvent.objects.filter(organization=org_a, action="client_token_revoked").count() == 1
    assert "ОТОЗВАН" in client_a.get(LIST).content.decode()
    client_a.post(reverse("integrations:revoke", args=[token.pk]))  # twice: nothing more recorded
    assert AuditEvent.objects.filter(organization=org_a, action="client_token_revoked").count() == 1


@pytest.mark.django_db
def test_only_an_administrator_and_only_the_organizations_own_keys(client, manager_a, client_a, org_b, creditor):
    other, _ = ApiToken.issue(name="Чужая 1С", organization=org_b)
    creditors, _ = ApiToken.issue(name="1С лизингодателя", creditor=creditor)
    for token in (other, creditors):
        assert client_a.post(reverse("integrations:revoke", args=[token.pk])).status_code == 404
        assert client_a.post(reverse("integrations:webhook", args=[token.pk]), {"webhook_url": ""}).status_code == 404
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert "Чужая 1С" not in client_a.get(LIST).content.decode()

    client.force_login(manager_a)
    assert client.get(LIST).status_code == 403
    assert _issue(client).status_code == 403
    assert "/settings/integrations/" not in client.get(reverse("organizations:settings")).content.decode()


@pytest.mark.django_db
def test_the_page_reads_in_a_constant_number_of_queries_and_a_get_writes_nothing(client_a, org_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_a.get(LIST).status_code == 200
        return len(captured)

    ApiToken.issue(name="1", organization=org_a)
    queries()  # the first page of the session warms its caches (the header's)
    few = queries()
    for n in range(5):
        ApiToken.issue(name=f"k{n}", organization=org_a, allowed_ips="10.0.0.0/8")
    audit = AuditEvent.objects.count()
    assert queries() == few
    assert AuditEvent.objects.count() == audit


@pytest.mark.django_db
def test_the_client_sets_a_webhook_sees_the_secret_once_and_gets_signed_events(
    client_a, org_a, products, settings, django_capture_on_commit_callbacks
):
    key = parse(_issue(client_a)).find(data_testid="key").get("value")
    token = ApiToken.objects.get(organization=org_a)
    webhook = reverse("integrations:webhook", args=[token.pk])

    refused = client_a.post(webhook, {"webhook_url": "http://127.0.0.1:9/hook"})
    assert refused.status_code == 400
    assert "Адрес должен быть доступен из интернета" in refused.content.decode()

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with FakeServer(lambda seen: Reply(status=200)) as server:
        answer = client_a.post(webhook, {"webhook_url": f"{server.url}/hook"})
        secret = parse(answer).find(data_testid="secret").get("value")
        assert len(secret) == 64 and secret not in client_a.get(LIST).content.decode()
        contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-W")
        with django_capture_on_commit_callbacks(execute=True):
            ScheduledPaymentFactory(
                contract=contract,
                number=1,
                due_date=timezone.localdate() - timedelta(days=1),
                amount=Decimal("10.00"),
                is_paid=True,
            )
        (request,) = [r for r in server.requests if r.path == "/hook"]
    body = json.loads(request.body)
    assert body["kind"] == "payment.received" and body["payload"]["contract"] == "AL-W"
    timestamp, signature = (part.split("=", 1)[1] for part in request.headers["Kabinet-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert AuditEvent.objects.filter(action="client_webhook_set", organization=org_a).count() == 1
    settings.API_EVENT_LAG_SECONDS = 0
    assert [e["kind"] for e in api(key).get("/api/v1/client/events/").json()["results"]] == ["payment.received"]


@pytest.mark.django_db
def test_issuing_a_key_asks_for_the_password_and_keeps_what_was_typed(client, admin_a, org_a):
    client.force_login(admin_a)
    asked = _issue(client, name="Казначейство")
    assert asked.status_code == 403 and not ApiToken.objects.exists()
    carried = {i.get("name"): i.get("value") for i in parse(asked).find_all("input", type="hidden")}
    assert carried["name"] == "Казначейство"
    issued = client.post(reverse("integrations:issue"), {**carried, "sudo_password": PASSWORD})
    assert issued.status_code == 200 and parse(issued).find(data_testid="key").get("value").startswith("kb_")
    assert ApiToken.objects.get(organization=org_a).name == "Казначейство"
