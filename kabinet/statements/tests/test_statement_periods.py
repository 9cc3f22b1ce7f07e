"""«A past period changes only by entries the books date inside it» (docs/ledger-rules.md, «Акт сверки»):
an акт is issued, the books send entries dated after its period — a penalty write-off, a reversal, a
payment — and the акт of the same period, issued again, is the same in every figure. A write-off is a
dated credit entry, never a deletion."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.contracts import ledger
from kabinet.contracts.models import Adjustment, Penalty
from kabinet.contracts.tests.test_ledger import api, contract, pay, post, put  # noqa: F401 (fixtures)
from kabinet.statements.tests.test_statement import sheet_rows

TODAY = timezone.localdate()
YEAR = TODAY.year - 1
START, END = date(YEAR, 1, 1), date(YEAR, 6, 30)


def statement_figures(client, start=START, end=END) -> dict:
    """Every figure of the акт's XLSX: the balances, the turnover and each entry (date, text, debit, credit)."""
    response = client.post(
        "/statements/",
        {"date_from": start.isoformat(), "date_to": end.isoformat(), "contract": "AL-L-1", "format": "xlsx"},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd")
    rows = sheet_rows(response)

    def exact(value):
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))

    def labelled(label):
        return next([exact(v) for v in r[3:5]] for r in rows if r[2] == label)

    return {
        "opening": labelled("Сальдо начальное"),
        "turnover": labelled("Обороты за период"),
        "closing": labelled("Сальдо конечное"),
        "entries": [(r[1].date(), r[2], exact(r[3]), exact(r[4])) for r in rows if isinstance(r[0], int)],
        "conclusion": next(c for r in rows for c in r if isinstance(c, str) and c.startswith("По данным ООО «Б")),
    }


def penalty(external_id: str, accrued_on: date, amount: str, **extra) -> dict:
    return {
        "external_id": external_id,
        "contract": "L-1",
        "accrued_on": str(accrued_on),
        "amount": amount,
        "basis": "0,1 % в день",
        **extra,
    }


@pytest.fixture
def books(api, contract):  # noqa: F811
    rows = [
        {
            "number": n,
            "due_date": str(date(YEAR, month, 10)),
            "amount": "10000.00",
            "vat_rate": "20",
            "document_number": f"7{n}",
            "document_date": str(date(YEAR, month, 10)),
        }
        for n, month in ((1, 2), (2, 4), (3, 8))
    ]
    assert put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows}).status_code == 200
    pay(api, "PP-1", "10000.00", on=date(YEAR, 2, 12))
    pay(api, "PP-2", "6000.00", on=date(YEAR, 4, 15))
    answer = post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "1234.56")]})
    assert answer.status_code == 200, answer.content
    return contract


def test_entries_dated_after_the_period_leave_its_akt_unchanged_in_every_figure(api, books, client_a):  # noqa: F811
    before = statement_figures(client_a)
    assert before["opening"] == [Decimal("0.00"), None]
    assert before["closing"] == [Decimal("5234.56"), None]
    charge = f"Лизинговый платёж № 1 по договору № AL-L-1, УПД № 71 от 10.02.{YEAR}"  # a number alone: an УПД
    assert (date(YEAR, 2, 10), charge, Decimal("10000.00"), None) in before["entries"]
    assert (date(YEAR, 5, 1), "Пени по договору № AL-L-1: 0,1 % в день", Decimal("1234.56"), None) in before["entries"]

    # The books, after the period: write the penalty off (no date: the day it arrives), reverse a payment
    # made inside the period, record a new payment, charge and write off a second penalty on its own date.
    answer = post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "0")]}).json()
    assert answer["written_off"] == 1 and answer["deleted"] == 0
    reversal = post(api, "/api/v1/payments/PP-2/reversal/", {"reversed_on": str(date(YEAR, 7, 5))})
    assert reversal.status_code == 200
    pay(api, "PP-3", "500.00", on=date(YEAR, 7, 20))
    late = penalty("PEN-2", date(YEAR, 7, 1), "300.00", written_off_on=str(date(YEAR, 7, 31)))
    assert post(api, "/api/v1/penalties/", {"penalties": [late]}).json()["written_off"] == 1

    assert statement_figures(client_a) == before  # every figure, every entry, the conclusion

    # The later акт shows each of those entries on the day the books gave it; the penalty's debit stays.
    later = statement_figures(client_a, date(YEAR, 7, 1), TODAY)
    assert later["opening"] == before["closing"]
    entries = {(day, text): (debit, credit) for day, text, debit, credit in later["entries"]}
    assert entries[(TODAY, "Списание пеней по договору № AL-L-1: 0,1 % в день")] == (None, Decimal("1234.56"))
    assert entries[(date(YEAR, 7, 5), "Сторно оплаты по договору № AL-L-1")] == (Decimal("6000.00"), None)
    assert entries[(date(YEAR, 7, 31), "Списание пеней по договору № AL-L-1: 0,1 % в день")] == (
        None,
        Decimal("300.00"),
    )
    assert entries[(date(YEAR, 7, 1), "Пени по договору № AL-L-1: 0,1 % в день")] == (Decimal("300.00"), None)
    assert (date(YEAR, 7, 20), "Оплата по договору № AL-L-1", None, Decimal("500.00")) in later["entries"]
    # 5 234,56 + 6 000 reversed + 300 − 300 written off + 10 000 (August) − 1 234,56 written off − 500 paid.
    assert later["closing"] == [Decimal("19500.00"), None]

    # Nothing is owed of the written-off penalties today: the card leaves them out.
    assert client_a.get(f"/contracts/{books.pk}/").status_code == 200
    card = ledger.contract_card(books)
    assert card.penalties_outstanding == 0 and card.overdue == Decimal("19500.00")


def test_a_write_off_keeps_its_first_date_and_a_written_off_penalty_is_not_charged_again(api, books):  # noqa: F811
    day = str(TODAY - timedelta(days=3))
    first = post(
        api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "0", written_off_on=day)]}
    )
    assert first.json()["written_off"] == 1
    again = post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "0")]})
    assert again.json() == {"created": 0, "updated": 0, "deleted": 0, "written_off": 0, "unchanged": 1}
    assert str(Penalty.objects.get(external_id="PEN-1").written_off_on) == day
    charged = post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "99.00")]})
    assert charged.status_code == 400
    assert "списаны" in str(charged.json()["penalties"]["0"])
    early = penalty("PEN-9", date(YEAR, 5, 1), "10.00", written_off_on=str(date(YEAR, 4, 1)))
    refused = post(api, "/api/v1/penalties/", {"penalties": [early]})
    assert refused.status_code == 400 and "раньше даты их начисления" in str(refused.json()["penalties"]["0"])
    assert not Penalty.objects.filter(external_id="PEN-9").exists()


def test_the_books_check_before_the_write_off_still_counts_the_penalty(api, books, client_a):  # noqa: F811
    post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "0")]})
    debt = {"amount": "4000.00", "penalty": "1234.56", "as_of": str(date(YEAR, 6, 1))}
    answer = put(api, "/api/v1/contracts/L-1/debt/", debt).json()
    assert (answer["ledger_penalty"], answer["difference"]) == ("1234.56", "0.00")


def test_a_schedule_sent_without_documents_keeps_them_and_the_openapi_documents_the_fields(api, books):  # noqa: F811
    from kabinet.contracts.models import ScheduledPayment

    line = ScheduledPayment.objects.get(contract=books, number=1)
    assert (line.document_kind, line.document_number, line.document_date) == ("", "71", date(YEAR, 2, 10))
    rows = [{"number": 1, "due_date": str(date(YEAR, 2, 10)), "amount": "10000.00", "vat_rate": "20"}]
    answer = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows}).json()
    assert answer["deleted"] == 2 and answer["unchanged"] == 1
    line.refresh_from_db()
    assert line.document_number == "71"
    rows[0] |= {"document_kind": "Счёт-фактура", "document_number": "СФ-1", "document_date": "bad"}
    bad = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows})
    assert bad.status_code == 400 and "document_date" in str(bad.json())
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert {"document_kind", "document_number", "document_date"} <= set(schema["ScheduleRowRequest"]["properties"])
    assert "written_off_on" in schema["PenaltyRequest"]["properties"]


def test_a_primary_document_sent_alone_is_stored_without_telling_the_client_the_schedule_changed(
    api,  # noqa: F811
    books,
    admin_a,
):
    from kabinet.contracts.models import ScheduledPayment
    from kabinet.notifications.models import Notification

    before = Notification.objects.filter(kind=Notification.Kind.SCHEDULE_UPDATED).count()
    rows = [
        {
            "number": n,
            "due_date": str(date(YEAR, month, 10)),
            "amount": "10000.00",
            "vat_rate": "20",
            "document_kind": "Счёт-фактура",
            "document_number": f"СФ-{n}",
            "document_date": str(date(YEAR, month, 11)),
        }
        for n, month in ((1, 2), (2, 4), (3, 8))
    ]
    answer = put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows}).json()
    assert (answer["updated"], answer["unchanged"]) == (3, 0)
    assert Notification.objects.filter(kind=Notification.Kind.SCHEDULE_UPDATED).count() == before
    line = ScheduledPayment.objects.get(contract=books, number=3)
    assert (line.document_kind, line.document_number, line.document_date) == ("Счёт-фактура", "СФ-3", date(YEAR, 8, 11))
    assert put(api, "/api/v1/contracts/L-1/schedule/", {"payments": rows}).json()["unchanged"] == 3


def adjustment(external_id: str, day: date, amount: str, **extra) -> dict:
    return {
        "external_id": external_id,
        "contract": "L-1",
        "date": str(day),
        "amount": amount,
        "vat_rate": "20",
        "reason": "перерасчёт",
        "document_number": f"К-{external_id}",
        **extra,
    }


def test_an_adjustment_removed_after_the_period_is_a_dated_reversal_and_leaves_its_akt_unchanged(
    api,  # noqa: F811
    books,
    client_a,
):
    """Before: an adjustment sent again with amount 0 was deleted, so an акт already issued for its period
    changed (here by 2 000,00 and 500,00)."""
    rows = [adjustment("ADJ-1", date(YEAR, 3, 1), "2000.00"), adjustment("ADJ-2", date(YEAR, 6, 1), "-500.00")]
    assert post(api, "/api/v1/adjustments/", {"adjustments": rows}).json()["created"] == 2
    before = statement_figures(client_a)
    assert before["closing"] == [Decimal("6734.56"), None]  # 5 234,56 + 2 000 − 500

    # After the period: the penalty written off, a payment reversed, both adjustments removed (one with
    # the books' date, one on the day it arrives), a new payment.
    assert post(api, "/api/v1/penalties/", {"penalties": [penalty("PEN-1", date(YEAR, 5, 1), "0")]}).status_code == 200
    assert post(api, "/api/v1/payments/PP-2/reversal/", {"reversed_on": str(date(YEAR, 7, 5))}).status_code == 200
    removals = [
        adjustment("ADJ-1", date(YEAR, 3, 1), "0", removed_on=str(date(YEAR, 7, 10))),
        adjustment("ADJ-2", date(YEAR, 6, 1), "0"),
    ]
    answer = post(api, "/api/v1/adjustments/", {"adjustments": removals}).json()
    assert answer == {"created": 0, "updated": 0, "deleted": 0, "removed": 2, "unchanged": 0}
    pay(api, "PP-3", "500.00", on=date(YEAR, 7, 20))

    assert statement_figures(client_a) == before  # every figure, every entry, the conclusion

    later = statement_figures(client_a, date(YEAR, 7, 1), TODAY)
    assert later["opening"] == before["closing"]
    entries = {(day, text): (debit, credit) for day, text, debit, credit in later["entries"]}
    reversal = "Сторно корректировки по договору № AL-L-1: перерасчёт"
    assert entries[(date(YEAR, 7, 10), reversal + f", документ № К-ADJ-1 от 01.03.{YEAR}")] == (
        None,
        Decimal("2000.00"),
    )
    assert entries[(TODAY, reversal + f", документ № К-ADJ-2 от 01.06.{YEAR}")] == (Decimal("500.00"), None)
    # 6 734,56 + 6 000 reversed − 2 000 + 500 removed + 10 000 (August) − 1 234,56 written off − 500 paid.
    assert later["closing"] == [Decimal("19500.00"), None]
    card = ledger.contract_card(books)
    assert card.overdue == Decimal("19500.00")  # removed: counted no more

    # Removed again: nothing changes; charged again under its id: refused; removed before its date: refused.
    again = post(api, "/api/v1/adjustments/", {"adjustments": [adjustment("ADJ-2", date(YEAR, 6, 1), "0")]})
    assert again.json()["unchanged"] == 1
    charged = post(api, "/api/v1/adjustments/", {"adjustments": [adjustment("ADJ-2", date(YEAR, 6, 1), "-9.00")]})
    assert charged.status_code == 400 and "adjustments" in charged.json()
    early = adjustment("ADJ-9", date(YEAR, 6, 1), "10.00", removed_on=str(date(YEAR, 5, 1)))
    refused = post(api, "/api/v1/adjustments/", {"adjustments": [early]})
    assert refused.status_code == 400 and "0" in refused.json()["adjustments"]
    assert Adjustment.objects.filter(contract=books).count() == 2  # nothing deleted


def test_the_books_check_before_the_removal_still_counts_the_adjustment(api, books):  # noqa: F811
    post(api, "/api/v1/adjustments/", {"adjustments": [adjustment("ADJ-1", date(YEAR, 3, 1), "2000.00")]})
    post(api, "/api/v1/adjustments/", {"adjustments": [adjustment("ADJ-1", date(YEAR, 3, 1), "0")]})
    debt = {"amount": "6000.00", "penalty": "1234.56", "as_of": str(date(YEAR, 6, 1))}
    answer = put(api, "/api/v1/contracts/L-1/debt/", debt).json()
    assert (answer["ledger_amount"], answer["difference"]) == ("6000.00", "0.00")
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "removed_on" in schema["AdjustmentRequest"]["properties"]
