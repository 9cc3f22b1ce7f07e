"""The support list as Excel: every thread the list shows with its first message, status, author, last
activity and the reader's unread mark; only the organization's own threads; reading the file marks
nothing as read; a constant number of queries."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.core.xlsx import read_workbook
from kabinet.support import services
from kabinet.support.models import SupportThreadRead
from kabinet.testing.routes import data_writes


def table(response):
    assert response.status_code == 200
    sheet = read_workbook(b"".join(response.streaming_content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[1], rows[2:]


def thread(org, user, topic, body="Не открывается акт"):
    return services.thread_create(org=org, user=user, topic=topic, body=body, files=[])


def test_the_support_list_exports_every_column_and_marks_nothing_read(client_a, admin_a, org_a, user_b, org_b):
    mine = thread(org_a, admin_a, "Акт сверки", "Не скачивается PDF")
    thread(org_b, user_b, "Чужая тема")
    reads = SupportThreadRead.objects.count()
    with CaptureQueriesContext(connection) as queries:
        sheet, header, rows = table(client_a.get("/support/export.xlsx"))
    assert not data_writes(queries)
    assert SupportThreadRead.objects.count() == reads
    assert header == ("Номер", "Тема", "Первое сообщение", "Статус", "Автор", "Дата и время", "Прочитано")
    assert len(rows) == 1
    row = rows[0]
    assert row[:5] == (mine.number, "Акт сверки", "Не скачивается PDF", "Открыто", admin_a.full_name)
    assert isinstance(row[5], datetime) and row[6] in ("да", "нет")
    assert sheet.auto_filter.ref == "A2:G3"


def test_the_support_page_links_its_export(client_a, admin_a, org_a):
    thread(org_a, admin_a, "Вопрос")
    assert 'href="/support/export.xlsx?"' in client_a.get("/support/").content.decode()


def test_the_support_export_costs_the_same_queries_for_more_threads(client_a, admin_a, org_a):
    thread(org_a, admin_a, "Первая")
    client_a.get("/support/export.xlsx")
    with CaptureQueriesContext(connection) as few:
        client_a.get("/support/export.xlsx")
    for n in range(30):
        thread(org_a, admin_a, f"Тема {n}")
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/support/export.xlsx")
    assert len(table(response)[2]) == 31
    assert len(many) == len(few)
