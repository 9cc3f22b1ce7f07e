"""Notifications (§7): the page, unread marks, e-mail by choice, the daily payment reminder, broadcasts."""

from datetime import timedelta

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kabinet.contracts.services import payments_due_notify
from kabinet.core.formatting import format_date
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory
from kabinet.testing.html import parse


def test_the_page_filters_searches_sorts_and_marks_unread(client_a, org_a, admin_a):
    members_notify(org=org_a, kind="key_rate", title="Ключевая ставка снижена до 16 %")
    members_notify(org=org_a, kind="new_document", title="Новый документ: акт сверки", link="/documents/")
    page = client_a.get("/notifications/")
    assert _titles(page)[0] == "Новый документ: акт сверки"
    assert page.content.decode().count("kb-unread") >= 2
    assert _titles(client_a.get("/notifications/", {"kind": "key_rate"})) == ["Ключевая ставка снижена до 16 %"]
    assert len(_titles(client_a.get("/notifications/", {"q": "СТАВКА"}))) == 1
    assert _titles(client_a.get("/notifications/", {"sort": "date"}))[0] == "Ключевая ставка снижена до 16 %"


def _titles(response) -> list[str]:
    """The notifications' titles as the list shows them, in order."""
    lists = parse(response).find_all("ul", data_testid="notifications")
    return [item.find("a").text for item in lists[0].find_all("li")] if lists else []


def test_the_header_counts_unread_and_opening_marks_read_and_follows_the_link(client_a, org_a, admin_a):
    members_notify(org=org_a, kind="new_document", title="Новый документ", link="/documents/")
    members_notify(org=org_a, kind="key_rate", title="Ставка")
    html = client_a.get("/dashboard/").content.decode()
    assert '2<span class="visually-hidden"> непрочитанных' in html
    first = Notification.objects.get(user=admin_a, kind="new_document")
    assert client_a.get(f"/notifications/{first.pk}/").status_code == 200  # its page; a GET marks nothing
    first.refresh_from_db()
    assert first.read_at is None
    response = client_a.post(f"/notifications/{first.pk}/")  # what the page sends as it loads
    assert response["Location"] == "/documents/"
    first.refresh_from_db()
    assert first.read_at is not None
    html = client_a.get("/dashboard/").content.decode()
    assert '1<span class="visually-hidden"> непрочитанных' in html
    client_a.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=admin_a, read_at__isnull=True).exists()


def test_another_users_or_organizations_notification_is_a_404(client_a, org_a, org_b, manager_a, user_b):
    members_notify(org=org_b, kind="key_rate", title="Для Беты")
    members_notify(org=org_a, kind="key_rate", title="Для Альфы")
    foreign = Notification.objects.get(user=user_b)
    colleague = Notification.objects.get(user=manager_a)
    assert client_a.get(f"/notifications/{foreign.pk}/").status_code == 404
    assert client_a.get(f"/notifications/{colleague.pk}/").status_code == 404
    assert "Для Беты" not in client_a.get("/notifications/").content.decode()


def test_e_mail_goes_for_the_types_each_member_chose(
    client_a, org_a, admin_a, manager_a, django_capture_on_commit_callbacks
):
    client_a.post("/notifications/settings/", {"email_kinds": ["appeal_status"]})
    with django_capture_on_commit_callbacks(execute=True):
        members_notify(org=org_a, kind="key_rate", title="Ставка")
    assert [m.to for m in mail.outbox] == [[manager_a.email]]  # the manager kept the default: everything
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        members_notify(org=org_a, kind="appeal_status", title="Заявка", link="/requests/1/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin_a.email, manager_a.email])
    assert "http://127.0.0.1:8000/requests/1/" in mail.outbox[0].body


def test_a_failing_mail_server_loses_nothing_in_the_portal(
    client_a, org_a, admin_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with django_capture_on_commit_callbacks(execute=True):
        members_notify(org=org_a, kind="key_rate", title="Ставка")
    assert Notification.objects.filter(user=admin_a, title="Ставка").exists()


def test_payments_due_in_three_days_are_announced_once_per_organization(org_a, admin_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-DUE-1")
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=3))
    ScheduledPaymentFactory(contract=contract, due_date=today + timedelta(days=4))
    assert payments_due_notify(days=3, today=today) == 1
    notification = Notification.objects.get(user=admin_a, kind="payment_due")
    assert "AL-DUE-1" in notification.title and "₽" in notification.title
    assert format_date(today + timedelta(days=3)) in notification.title
    # It opens the contract it is about.
    assert notification.link == f"/contracts/{contract.pk}/"


def test_staff_broadcast_a_key_rate_change_to_chosen_organizations(staff, org_a, org_b, admin_a, user_b):
    client = Client()
    client.force_login(staff)
    response = client.post(
        "/admin/notifications/notification/broadcast/",
        {
            "kind": "key_rate",
            "title": "Ключевая ставка 16 %",
            "body": "С 1 декабря",
            "organizations": [org_a.pk],
            "channels": ["portal", "email"],
        },
    )
    assert response.status_code == 302
    assert Notification.objects.filter(user=admin_a, kind="key_rate").exists()
    assert not Notification.objects.filter(user=user_b).exists()


def test_the_page_query_count_does_not_grow(client_a, org_a):
    def count():
        client_a.get("/notifications/")  # the header's cache is warm, as on every request but the first
        with CaptureQueriesContext(connection) as ctx:
            client_a.get("/notifications/")
        return len(ctx.captured_queries)

    members_notify(org=org_a, kind="key_rate", title="x")
    before = count()
    for n in range(25):
        members_notify(org=org_a, kind="new_document", title=f"Документ {n}", link="/documents/")
    assert count() == before


def test_the_daily_reminder_runs_once_a_day_and_is_scheduled_at_its_time(org_a, admin_a, products, settings):
    from datetime import datetime, time

    from kabinet.contracts.tasks import payments_due
    from kabinet.core.jobs import next_run

    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-DUE-2")
    ScheduledPaymentFactory(contract=contract, due_date=timezone.localdate() + timedelta(days=3))
    payments_due.call(3)
    payments_due.call(3)  # a second start the same day does nothing
    assert Notification.objects.filter(user=admin_a, kind="payment_due").count() == 1
    tz = timezone.get_current_timezone()
    morning = timezone.make_aware(datetime(2026, 11, 27, 8, 30), tz)
    evening = timezone.make_aware(datetime(2026, 11, 27, 18, 0), tz)
    assert next_run(morning, time(9, 0)) == timezone.make_aware(datetime(2026, 11, 27, 9, 0), tz)
    assert next_run(evening, time(9, 0)) == timezone.make_aware(datetime(2026, 11, 28, 9, 0), tz)
