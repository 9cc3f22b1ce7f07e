"""The bodies of release 0.1.0 (commit 37c8e7a) that carried paid amounts — `POST /api/v1/payments/`
and the schedule rows' `paid_amount`/`paid_date` — kept working under `/v1/` until their end date,
translated to the ledger.

The old body set a schedule line's paid total: `{"payments": [{"contract", "number", "paid_amount",
"paid_date"}]}`, where `paid_amount` is everything paid on the line so far. Today a line is paid by
payments received. So each row becomes a payment of the difference between the total sent and what
the old body (or the upgrade's carry-over, `upgrade-line-<id>`) already recorded for the line, dated
`paid_date` and allocated to the line: sending the same total again changes nothing, a higher total
adds the difference, a lower one reverses (сторно) the line's latest such payments and adds back what
is left over. Every answer carries `Deprecation`, `Sunset` (the end date, also in CHANGELOG.md) and
a `Link` to the API's documentation; after the end date the old body gets a 400 like any other
malformed one.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.http import http_date
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kabinet.contracts.models import Contract, PaymentReceived, ScheduledPayment
from kabinet.contracts.services import payment_reverse, payments_record
from kabinet.core.money import MONEY_MAX_DIGITS

# The old body was deprecated by release 0.6.0 and is refused from the end date on.
DEPRECATED_ON = date(2026, 12, 6)
SUNSET_ON = date(2027, 6, 30)
CARRIED_PREFIX = "upgrade-line-"  # the upgrade's carry-over (contracts 0007), one payment per line
LEGACY_PREFIX = "v1-line-"


class LegacyPaymentSerializer(serializers.Serializer):
    contract = serializers.CharField(max_length=64)
    number = serializers.IntegerField(min_value=1)
    paid_amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, min_value=Decimal("0"))
    paid_date = serializers.DateField()


class LegacyPaymentsSerializer(serializers.Serializer):
    payments = LegacyPaymentSerializer(many=True, allow_empty=False)


def is_legacy_body(data) -> bool:
    """The old shape: rows with `paid_amount` and without the new body's `amount`, before the end date."""
    if not isinstance(data, dict) or not isinstance(data.get("payments"), list) or not data["payments"]:
        return False
    rows = data["payments"]
    old = all(isinstance(r, dict) and "paid_amount" in r and "amount" not in r for r in rows)
    return old and date.today() <= SUNSET_ON


def deprecation_headers() -> dict[str, str]:
    """RFC 9745 `Deprecation` (a structured date: @seconds), RFC 8594 `Sunset` (an HTTP date)."""
    since = calendar.timegm(DEPRECATED_ON.timetuple())
    sunset = datetime(SUNSET_ON.year, SUNSET_ON.month, SUNSET_ON.day, tzinfo=UTC).timestamp()
    return {
        "Deprecation": f"@{since}",
        "Sunset": http_date(sunset),
        "Link": '</api/v1/docs/>; rel="deprecation"',
    }


def _key_of(line_id: int) -> Q:
    return Q(external_id=f"{CARRIED_PREFIX}{line_id}") | Q(external_id__startswith=f"{LEGACY_PREFIX}{line_id}-")


def record(data, contracts: QuerySet[Contract]) -> Response:
    """Translate and record an old body; `contracts` are those the token reaches."""
    return Response({"updated": record_rows(data, contracts)}, headers=deprecation_headers())


def schedule_paid_rows(data, contract: str | None = None) -> tuple[Any, dict | None]:
    """Schedule rows of 0.1.0 may carry the line's paid total (`paid_amount`, `paid_date`): the schedule
    holds charges only now, so they are taken off (a copy; the request is left alone) and returned as
    an old payments body, to record after the schedule (its `paid_date` defaults to the due date).
    `contract`: the external id of `PUT /contracts/<id>/schedule/`; without it, `POST /schedules/`."""
    if date.today() > SUNSET_ON or not isinstance(data, dict):
        return data, None
    entries = [{"contract": contract, "payments": data.get("payments")}] if contract else data.get("schedules")
    if not isinstance(entries, list):
        return data, None
    paid, cleaned = [], []
    for entry in entries:
        rows = entry.get("payments") if isinstance(entry, dict) else None
        if not isinstance(rows, list):
            cleaned.append(entry)
            continue
        kept = []
        for row in rows:
            if isinstance(row, dict) and ("paid_amount" in row or "paid_date" in row):
                row = dict(row)
                amount, on = row.pop("paid_amount", "0"), row.pop("paid_date", None)
                paid.append(
                    {
                        "contract": entry.get("contract"),
                        "number": row.get("number"),
                        "paid_amount": amount,
                        "paid_date": on or row.get("due_date"),
                    }
                )
            kept.append(row)
        cleaned.append({**entry, "payments": kept})
    if not paid:
        return data, None
    if contract:
        return {**data, "payments": cleaned[0]["payments"]}, {"payments": paid}
    return {**data, "schedules": cleaned}, {"payments": paid}


def record_rows(data, contracts: QuerySet[Contract]) -> int:
    """Record an old payments body (validated here), all or nothing; the number of rows."""
    serializer = LegacyPaymentsSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    rows = serializer.validated_data["payments"]
    with transaction.atomic():
        found = {
            c.external_id: c
            for c in contracts.select_for_update().filter(external_id__in={r["contract"] for r in rows})
        }
        lines = {
            (line.contract_id, line.number): line
            # Scoped by the contracts: the token's own queryset found them above.
            for line in ScheduledPayment.objects.unscoped()
            .filter(contract__in=list(found.values()))
            .only("id", "contract_id", "number")
        }
        errors, wanted = {}, {}
        for index, row in enumerate(rows):
            contract = found.get(row["contract"])
            line = lines.get((contract.pk, row["number"])) if contract else None
            if line is None:
                errors[str(index)] = [f"No payment {row['number']} of contract «{row['contract']}»."]
                continue
            wanted[line.pk] = (contract, line, row)  # the last row of a line wins, as before
        if errors:
            raise ValidationError({"payments": errors})
        fresh, reversals = _translate(wanted)
        for org_id, external_id, on in reversals:
            payment_reverse(org_id=org_id, external_id=external_id, reversed_on=on)
        if fresh:
            payments_record(rows=fresh)
    return len(rows)


def _translate(wanted: dict[int, tuple]) -> tuple[list[dict], list[tuple[int, str, date]]]:
    """The new payments and the reversals that bring each line's recorded total to the total sent."""
    query = Q(pk__in=[])
    for line_id in wanted:
        query |= _key_of(line_id)
    recorded: dict[int, list[PaymentReceived]] = {line_id: [] for line_id in wanted}
    # Scoped by the lines' keys: every line was found through the token's contracts.
    for payment in PaymentReceived.objects.unscoped().filter(query).order_by("received_on", "id"):
        suffix = payment.external_id.removeprefix(CARRIED_PREFIX).removeprefix(LEGACY_PREFIX)
        recorded[int(suffix.split("-")[0])].append(payment)
    fresh, reversals = [], []
    for line_id, (contract, line, row) in wanted.items():
        payments = recorded[line_id]
        live = [p for p in payments if p.reversed_on is None]
        total = sum((p.amount for p in live), Decimal("0"))
        target = row["paid_amount"]
        while total > target and live:
            last = live.pop()
            reversals.append((contract.organization_id, last.external_id, max(row["paid_date"], last.received_on)))
            total -= last.amount
        if target > total:
            fresh.append(
                {
                    "external_id": f"{LEGACY_PREFIX}{line_id}-{len(payments) + 1}",
                    "contract": contract,
                    "received_on": row["paid_date"],
                    "amount": target - total,
                    "document_number": "",
                    "allocations": [{"number": line.number, "amount": target - total}],
                }
            )
    return fresh, reversals
