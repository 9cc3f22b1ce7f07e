"""«Уведомления» in Excel: the page's filters, and nothing is marked read."""

from __future__ import annotations

from kabinet.notifications.models import Notification
from kabinet.testing.exports import no_writes, sheet


def test_notifications_export_follows_the_filters_and_marks_nothing_read(client_a, org_a, admin_a, user_b, org_b):
    Notification.objects.create(organization=org_a, user=admin_a, kind="new_document", title="Новый документ: УПД")
    Notification.objects.create(organization=org_a, user=admin_a, kind="payment_due", title="Скоро платёж")
    Notification.objects.create(organization=org_b, user=user_b, kind="new_document", title="Чужое")
    _header, rows = sheet(no_writes(client_a, "/notifications/export.xlsx?kind=new_document"))
    assert [r[2] for r in rows] == ["Новый документ: УПД"] and rows[0][4] == "нет"
    assert not Notification.objects.filter(read_at__isnull=False).exists()
