"""«История изменений» reads as sentences: money as «1 234,56 ₽», dates as «10.02.2027», no English keys,
no raw numbers; the «Что» filter offers each kind once."""

from __future__ import annotations

import re

from kabinet.audit.models import AuditEvent


def event(org, action, **fields):
    return AuditEvent.objects.create(organization=org, action=action, actor_kind=AuditEvent.ActorKind.USER, **fields)


def history_table(client) -> str:
    response = client.get("/settings/history/")
    assert response.status_code == 200
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_a_statement_and_an_invoice_read_as_sentences_with_formatted_money_and_dates(client_a, org_a):
    event(
        org_a,
        "statement_requested",
        object_type="contracts.contract",
        after={
            "from": "2026-01-01",
            "to": "2027-02-10",
            "contract": "ДЛ-17/2026",
            "format": "xlsx",
            "closing": "241893.11",
        },
    )
    event(
        org_a,
        "invoice_issued",
        object_type="invoices.invoice",
        after={"number": "2026-000001", "amount": "46872.22", "contract": "ДЛ-17/2026"},
    )
    table = history_table(client_a)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)).replace("\u202f", " ").replace("\xa0", " ")
    for key in ("From:", "To:", "Contract:", "Format:", "Closing:", "Итого:", "241893.11", "46872.22", "2027-02-10"):
        assert key not in text, key
    assert "01.01.2026 – 10.02.2027" in text
    assert "по договору ДЛ-17/2026" in text
    assert "241 893,11 ₽" in text
    assert "Счёт № 2026-000001 на 46 872,22 ₽ по договору ДЛ-17/2026" in text


def test_the_what_filter_offers_each_kind_once(client_a, org_a):
    for _ in range(3):
        event(org_a, "employee_invited", after={"phone": "+79000000001"})
    event(org_a, "invoice_issued", after={"number": "1", "amount": "1", "contract": "1"})
    html = client_a.get("/settings/history/").content.decode()
    select = html.split('name="action"')[1].split("</select>")[0]
    assert select.count('value="employee_invited"') == 1
    assert select.count('value="invoice_issued"') == 1
