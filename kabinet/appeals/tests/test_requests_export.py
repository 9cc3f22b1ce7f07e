"""«Заявки» in Excel: the page's filters, nothing internal to the lessor."""

from __future__ import annotations

from datetime import datetime

from kabinet.appeals import services as appeal_services
from kabinet.appeals.models import StaffNote
from kabinet.testing.exports import no_writes, sheet


def test_requests_export_follows_the_filters_and_has_nothing_internal(client_a, org_a, admin_a, user_b, org_b, staff):
    kept = appeal_services.appeal_create(
        org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="new_leasing", description="Самосвал")
    )
    appeal_services.appeal_create(
        org=org_a, user=admin_a, data=appeal_services.AppealInput(kind="insurance", description="ДТП")
    )
    appeal_services.appeal_create(
        org=org_b, user=user_b, data=appeal_services.AppealInput(kind="new_leasing", description="Чужая")
    )
    StaffNote.objects.create(appeal=kept, author=staff, body="Секретная заметка")
    header, rows = sheet(no_writes(client_a, "/requests/export.xlsx?kind=new_leasing"))
    assert header[0] == "Номер"
    assert [(r[0], r[4]) for r in rows] == [(kept.number, "Самосвал")]
    assert isinstance(rows[0][5], datetime)
    assert "Секретная заметка" not in str(rows)
