"""«История изменений» as Excel: the page's words (who, what, before → after), its filters, only the
organization's own events, the lessor's staff without their address, a constant number of queries, and a
GET that writes nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.audit.models import AuditEvent
from kabinet.core.xlsx import read_workbook
from kabinet.testing.routes import data_writes


def table(response):
    assert response.status_code == 200
    sheet = read_workbook(b"".join(response.streaming_content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[1], rows[2:]


def event(org, action, **fields):
    return AuditEvent.objects.create(organization=org, action=action, **fields)


def test_the_history_exports_its_words_and_filters(client_a, admin_a, org_a, org_b, creditor, staff):
    event(
        org_a,
        "employee_role_changed",
        actor=admin_a,
        actor_kind=AuditEvent.ActorKind.USER,
        object_repr="Менеджеров Михаил",
        object_type="organizations.membership",
        before={"role": "manager"},
        after={"role": "admin"},
        ip="192.0.2.7",
    )
    event(
        org_a,
        "appeal_status_changed",
        actor=staff,
        actor_kind=AuditEvent.ActorKind.STAFF,
        object_repr="UC-0004601",
        ip="10.1.2.3",
    )
    event(org_b, "employee_role_changed", object_repr="Чужой")
    with CaptureQueriesContext(connection) as queries:
        sheet, header, rows = table(client_a.get("/settings/history/export.xlsx"))
    assert not data_writes(queries)
    assert header == ("Когда", "Кто", "Что", "Объект", "Было → стало", "Откуда")
    assert len(rows) == 2 and "Чужой" not in str(rows)
    staff_row, role_row = rows
    assert isinstance(role_row[0], datetime)
    assert role_row[1:4] == (admin_a.full_name, "Изменена роль сотрудника", "Менеджеров Михаил")
    assert role_row[4] == "Роль: Менеджер → Администратор" and role_row[5] == "192.0.2.7"
    assert staff_row[1] == f"Сотрудник {creditor.short_name}" and staff_row[5] is None
    assert sheet.auto_filter.ref == "A2:F4"
    _sheet, _header, filtered = table(client_a.get("/settings/history/export.xlsx?action=appeal_status_changed"))
    assert [r[3] for r in filtered] == ["UC-0004601"]


def test_the_history_page_links_its_export_with_the_filters(client_a, admin_a, org_a):
    html = client_a.get(f"/settings/history/?actor={admin_a.pk}&page=1").content.decode()
    assert f'href="/settings/history/export.xlsx?actor={admin_a.pk}"' in html


def test_the_history_export_costs_the_same_queries_for_more_events(client_a, admin_a, org_a):
    def some(n):
        for i in range(n):
            event(
                org_a,
                "employee_role_changed",
                actor=admin_a,
                actor_kind=AuditEvent.ActorKind.USER,
                object_type="organizations.membership",
                object_repr=f"Сотрудник {i}",
                before={"role": "manager"},
                after={"role": "admin"},
            )

    some(1)
    client_a.get("/settings/history/export.xlsx")
    with CaptureQueriesContext(connection) as few:
        client_a.get("/settings/history/export.xlsx")
    some(30)
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/settings/history/export.xlsx")
    assert len(table(response)[2]) == 31
    assert len(many) == len(few)
