"""The books' money: schedules, payments received and their reversals, penalties, adjustments, the
debt and the buyout values."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.api import legacy
from kabinet.api import serializers as s
from kabinet.api.scoping import ScopedAPIView
from kabinet.api.views.common import ERRORS, OK, _contract, _external_id
from kabinet.contracts.ledger import contract_ledger
from kabinet.contracts.models import (
    Adjustment,
    Contract,
    PaymentReceived,
    Penalty,
)
from kabinet.contracts.services import (
    LedgerError,
    adjustments_upsert,
    books_debt_put,
    buyout_replace,
    payment_reverse,
    payment_unreverse,
    payments_record,
    penalties_upsert,
    schedules_replace,
)


class ScheduleReplace(ScopedAPIView):
    """PUT /contracts/<external_id>/schedule/: the whole schedule, replaced atomically."""

    model = Contract

    @extend_schema(request=s.ScheduleSerializer, responses={200: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        body, paid = legacy.schedule_paid_rows(request.data, external_id)  # 0.1.0's paid totals, until the end date
        serializer = s.ScheduleSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            result = schedules_replace(items=[(contract, data["payments"])])
            if paid:
                _ledger_call(legacy.record_rows, paid, self.get_queryset(Contract))
        headers = legacy.deprecation_headers() if paid else None
        return Response({**result, "warnings": data["warnings"]}, headers=headers)


class SchedulesBulk(ScopedAPIView):
    """POST /schedules/: the schedules of many contracts in one call (thousands of rows), all or nothing."""

    @extend_schema(request=s.SchedulesBulkSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        body, paid = legacy.schedule_paid_rows(request.data)  # 0.1.0's paid totals, until the end date
        serializer = s.SchedulesBulkSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        entries = serializer.validated_data["schedules"]
        wanted = [e["contract"] for e in entries]
        contracts = {c.external_id: c for c in self.get_queryset(Contract).filter(external_id__in=wanted)}
        missing = {
            str(i): [f"No contract with external id «{e['contract']}»."]
            for i, e in enumerate(entries)
            if e["contract"] not in contracts
        }
        if missing:
            raise ValidationError({"schedules": missing})
        warnings = [{"contract": e["contract"], **w} for e in entries for w in e["warnings"]]
        with transaction.atomic():
            result = schedules_replace(items=[(contracts[e["contract"]], e["payments"]) for e in entries])
            if paid:
                _ledger_call(legacy.record_rows, paid, self.get_queryset(Contract))
        headers = legacy.deprecation_headers() if paid else None
        return Response({**result, "warnings": warnings}, headers=headers)


def _with_contracts(rows: list[dict], key: str, contracts: QuerySet[Contract]) -> list[dict]:
    """Resolve the rows' contract external ids in one query among the contracts the token reaches; an
    unknown one (or another creditor's) is a 400 naming the row."""
    found = {c.external_id: c for c in contracts.filter(external_id__in={r["contract"] for r in rows})}
    errors = {
        str(i): {"contract": [f"No object with external id «{r['contract']}»."]}
        for i, r in enumerate(rows)
        if r["contract"] not in found
    }
    if errors:
        raise ValidationError({key: errors})
    return [{**r, "contract": found[r["contract"]]} for r in rows]


def _ledger_call(write, *args, **kwargs):
    try:
        return write(*args, **kwargs)
    except LedgerError as exc:
        raise ValidationError(exc.errors) from exc


class PaymentsReceived(ScopedAPIView):
    """POST /payments/: payments received (upserted by external id), thousands per call, all or nothing.

    Each may say how the books split it between schedule lines and penalties (`allocations`); without
    it the portal pays the oldest due lines first. Every page, file and invoice changes at once.

    Deprecated, accepted until 30.06.2027: release 0.1.0's body, rows of `contract`, `number`,
    `paid_amount` (the line's paid total) and `paid_date`, recorded as a payment of the difference
    (answers carry `Deprecation` and `Sunset`; see CHANGELOG.md)."""

    @extend_schema(request=s.PaymentsSerializer, responses={200: s.PaymentsAnswerSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        if legacy.is_legacy_body(request.data):  # the body of releases up to 0.1.0, until its end date
            return _ledger_call(legacy.record, request.data, self.get_queryset(Contract))
        serializer = s.PaymentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["payments"], "payments", self.get_queryset(Contract))
        self.refuse_foreign_rows(PaymentReceived, rows, "payments")
        return Response(_ledger_call(payments_record, rows=rows))


class _OnePayment(ScopedAPIView):
    model = PaymentReceived

    def payment_of(self, request: Request, external_id: str) -> PaymentReceived:
        """The payment with this external id the token reaches (`contract` names it when two contracts
        share the id)."""
        _external_id(external_id)
        payment = self.get_queryset().filter(external_id=external_id)
        contract_ref = request.query_params.get("contract") or (
            request.data.get("contract") if isinstance(request.data, dict) else None
        )
        if contract_ref:
            payment = payment.filter(contract__external_id=contract_ref)
        found = list(payment.select_related("contract")[:2])
        if not found:
            raise NotFound(f"No payment with external id «{external_id}».")
        if len(found) > 1:
            raise ValidationError({"contract": "Several payments have this external id: name the contract."})
        return found[0]


class PaymentReversal(_OnePayment):
    """POST /payments/<external_id>/reversal/: the payment is reversed (сторно) from a date on. Sending
    the payment again to POST /payments/ keeps the reversal; /unreverse/ undoes it."""

    @extend_schema(
        request=s.ReversalSerializer,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: OK, **ERRORS},
    )
    def post(self, request: Request, external_id: str) -> Response:
        found = self.payment_of(request, external_id)
        serializer = s.ReversalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = _ledger_call(
            payment_reverse,
            org_id=found.organization_id,
            external_id=external_id,
            reversed_on=serializer.validated_data["reversed_on"],
            document_number=serializer.validated_data["document_number"],
        )
        return Response({"external_id": external_id, "reversed_on": payment.reversed_on})


class PaymentUnreverse(_OnePayment):
    """POST /payments/<external_id>/unreverse/: the books cancelled a reversal; the payment pays again
    from its date on. Answers `"unchanged": 1` for a payment that is not reversed (nothing written)."""

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("contract", str, description="The contract's external id.")],
        responses={200: s.UnreverseAnswerSerializer, **ERRORS},
    )
    def post(self, request: Request, external_id: str) -> Response:
        found = self.payment_of(request, external_id)
        _payment, changed = _ledger_call(payment_unreverse, org_id=found.organization_id, external_id=external_id)
        return Response(
            {"external_id": external_id, "reversed_on": None, "updated": int(changed), "unchanged": int(not changed)}
        )


class PenaltiesPost(ScopedAPIView):
    """POST /penalties/: penalties (пени) by external id, with their basis; amount 0 writes one off as a
    dated credit entry."""

    @extend_schema(request=s.PenaltiesSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.PenaltiesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["penalties"], "penalties", self.get_queryset(Contract))
        self.refuse_foreign_rows(Penalty, rows, "penalties")
        return Response(_ledger_call(penalties_upsert, rows=rows))


class AdjustmentsPost(ScopedAPIView):
    """POST /adjustments/: corrections of a contract's balance by external id; amount 0 removes one as
    a dated reversal entry (never a deletion: an акт сверки of an earlier period stays as it was)."""

    @extend_schema(request=s.AdjustmentsSerializer, responses={200: OK, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = s.AdjustmentsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = _with_contracts(serializer.validated_data["adjustments"], "adjustments", self.get_queryset(Contract))
        self.refuse_foreign_rows(Adjustment, rows, "adjustments")
        return Response(_ledger_call(adjustments_upsert, rows=rows))


class DebtPut(ScopedAPIView):
    """PUT /contracts/<external_id>/debt/: the books' own overdue figure on a date, as one amount or per
    VAT rate (`lines`). Rolled forward to today (+ charges falling due since − credits received since)
    it is the contract's debt the portal shows and invoices; the answer gives it (`debt_today`) and the
    part the portal cannot break down (`not_itemized`)."""

    model = Contract

    @extend_schema(request=s.DebtSerializer, responses={200: s.DebtAnswerSerializer, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.DebtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        books_debt_put(contract=contract, **serializer.validated_data)

        state = contract_ledger(contract)
        check, figure = state.books_check, state.books_figure
        return Response(
            {
                "contract": external_id,
                "ledger_amount": str(check.ledger_amount) if check else None,
                "ledger_penalty": str(check.ledger_penalty) if check else None,
                "difference": str(check.difference) if check else None,
                "debt_today": str(figure.headline) if figure else None,
                "not_itemized": str(figure.residual) if figure else None,
            }
        )


class BuyoutPut(ScopedAPIView):
    """PUT /contracts/<external_id>/buyout/: the early buyout value by date (график выкупной стоимости),
    replaced as a whole; an empty list removes it (the card then offers no buyout)."""

    model = Contract

    @extend_schema(request=s.BuyoutSerializer, responses={200: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        contract = _contract(self, external_id)
        serializer = s.BuyoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {
                "contract": external_id,
                "values": buyout_replace(contract=contract, values=serializer.validated_data["values"]),
            }
        )
