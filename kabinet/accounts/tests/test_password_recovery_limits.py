"""Password recovery tells nothing about which phones exist, queues its letter, and is limited."""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from kabinet.testing.factories import UserFactory

RESET = "/password/reset/"
SENT = "/password/reset/sent/"
LIMITED = "Слишком много запросов на восстановление"


def ask(client, phone, ip="10.0.0.1"):
    return client.post(RESET, {"phone": phone}, REMOTE_ADDR=ip)


def test_the_request_only_queues_the_letter_the_worker_sends_it(client, admin_a, django_capture_on_commit_callbacks):
    from django_tasks.signals import task_enqueued

    enqueued = []
    task_enqueued.connect(lambda sender, task_result, **kw: enqueued.append(task_result.task.name), weak=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask(client, str(admin_a.phone))
    assert response["Location"] == SENT
    assert mail.outbox == []  # nothing is sent inside the request
    assert len(callbacks) == 1
    callbacks[0]()
    assert "send_password_reset" in enqueued
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [admin_a.email]


def test_a_broken_mail_server_gives_the_same_answer_for_known_and_unknown_phones(client, admin_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with mock.patch("django.core.mail.send_mail", side_effect=ConnectionRefusedError):
        known = ask(client, str(admin_a.phone))
        unknown = ask(client, "+7 999 765-43-21")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == SENT


def test_known_and_unknown_phones_do_the_same_work_in_the_request(client, admin_a, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: list[tuple[int, int]] = []
    for phone in (str(admin_a.phone), "+7 999 765-43-21"):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            ask(client, phone, ip=f"10.0.0.{len(counts) + 2}")
        counts.append((len(queries), len(callbacks)))
    assert counts[0] == counts[1]
    assert not any("accounts_user" in q["sql"] for q in queries.captured_queries)


def test_resets_are_limited_per_phone(client, admin_a, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LIMIT_PER_PHONE = 2
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            assert ask(client, str(admin_a.phone), ip=f"10.0.1.{n}")["Location"] == SENT
        refused = ask(client, str(admin_a.phone), ip="10.0.1.9")
    assert refused.status_code == 200 and LIMITED in refused.content.decode()
    assert len(mail.outbox) == 2
    # An unknown phone meets exactly the same limit (nothing to learn from it).
    for n in range(2):
        ask(client, "+7 999 765-43-21", ip=f"10.0.2.{n}")
    assert LIMITED in ask(client, "+7 999 765-43-21", ip="10.0.2.9").content.decode()


def test_resets_are_limited_per_address(client, db, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 3
    for n in range(3):
        assert ask(client, f"+7 999 000-00-{n:02d}", ip="198.51.100.7")["Location"] == SENT
    assert LIMITED in ask(client, "+7 999 000-00-77", ip="198.51.100.7").content.decode()
    assert ask(client, "+7 999 000-00-77", ip="198.51.100.8")["Location"] == SENT


@pytest.mark.parametrize("active", [False])
def test_an_inactive_user_gets_no_letter(client, db, active, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=active)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, str(user.phone))
    assert mail.outbox == []


def test_company_suggestions_are_limited_per_address(client, registry, settings):
    """The registration page's lookup needs no sign-in and may spend a paid quota."""
    settings.COMPANY_LOOKUP_LIMIT_PER_IP = 3
    url = reverse("accounts:company_suggestions")
    for _ in range(3):
        assert "Ромашка" in client.get(url, {"company": "ромаш"}, REMOTE_ADDR="198.51.100.3").content.decode()
    with mock.patch("kabinet.organizations.lookup.LocalRegistryLookup.suggest") as suggest:
        refused = client.get(url, {"company": "ромаш"}, REMOTE_ADDR="198.51.100.3")
    assert refused.status_code == 429 and not suggest.called
    assert "Слишком много поисков" in refused.content.decode()
    assert "Ромашка" in client.get(url, {"company": "ромаш"}, REMOTE_ADDR="198.51.100.4").content.decode()


def test_submitting_the_add_organization_form_is_limited_per_account_and_address(client_a, registry, settings):
    """Each submission looks the INN up in the registry (a paid DaData call) — limited like
    the suggestions, and past the limit the registry is not asked at all."""
    settings.COMPANY_SUBMIT_LIMIT_PER_USER = 2
    url = reverse("organizations:add")
    for _ in range(2):
        assert client_a.post(url, {"company": "7709876545"}, REMOTE_ADDR="198.51.100.5").status_code == 200
    with mock.patch("kabinet.organizations.lookup.LocalRegistryLookup.find_by_inn") as find:
        refused = client_a.post(url, {"company": "7801234564"}, REMOTE_ADDR="198.51.100.6")
    assert refused.status_code == 429 and not find.called
    assert "Слишком много попыток найти организацию" in refused.content.decode()
    from kabinet.accounts.models import Registration

    assert not Registration.objects.filter(inn="7801234564").exists()


def test_submitting_the_registration_form_is_limited_per_address(client, registry, settings):
    settings.COMPANY_SUBMIT_LIMIT_PER_IP = 2
    url = reverse("accounts:register")
    for _ in range(2):
        assert client.post(url, {"company": "7801234564"}, REMOTE_ADDR="198.51.100.7").status_code == 200
    with mock.patch("kabinet.organizations.lookup.LocalRegistryLookup.find_by_inn") as find:
        refused = client.post(url, {"company": "7801234564"}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and not find.called
    assert "Слишком много попыток найти организацию" in refused.content.decode()
    with mock.patch("kabinet.organizations.lookup.LocalRegistryLookup.find_by_inn", return_value=None) as find:
        client.post(url, {"company": "7801234564"}, REMOTE_ADDR="198.51.100.8")
    assert find.called  # another address is not refused
