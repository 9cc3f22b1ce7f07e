"""`/api/v1/client/`: what a client organization's own systems (1С, a treasury system) read about it.

A client's token (kind «client», issued by the organization's administrator) reads its organization
only, across every creditor the organization works with, and writes nothing: `HasScope` refuses it
everywhere else, and every read goes through `TokenScope.queryset`, which gives it its organization's
rows only. Lists are read by an id cursor (`after`, `next`) like the event feed, so a nightly job takes
what is new since its last run whatever the organization's size.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.api.auth import CLIENT_KINDS
from kabinet.api.models import ApiEvent, ApiToken
from kabinet.api.scoping import ScopedAPIView
from kabinet.api.serializers import EventSerializer
from kabinet.appeals.models import Appeal
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract
from kabinet.core.files import bytes_response, serve_private_file
from kabinet.core.links import absolute_url
from kabinet.documents.models import Document
from kabinet.invoices import selectors as invoice_selectors
from kabinet.invoices import services as invoice_services
from kabinet.invoices.models import Invoice
from kabinet.organizations.models import Organization, SettlementAccount
from kabinet.statements.models import Reconciliation

TAG = ["client"]
CURSOR = [
    OpenApiParameter("after", int, description="Return rows with an id above this one (0: from the start)."),
    OpenApiParameter("limit", int, description="At most this many rows (1–500, 100 by default)."),
]
ERRORS = {
    400: OpenApiResponse(description="A bad cursor: {after: [reason]}."),
    401: OpenApiResponse(description="No token, a wrong or revoked token."),
    403: OpenApiResponse(description="Not a client's token, or the address is not allowed."),
    404: OpenApiResponse(description="No such object in the token's organization."),
}


def _cursor(request: Request) -> tuple[int, int]:
    try:
        after = int(request.query_params.get("after", 0))
        limit = int(request.query_params.get("limit", 100))
    except ValueError as exc:
        raise ValidationError({"after": "A whole number."}) from exc
    if not 0 <= after < 2**62:
        raise ValidationError({"after": "A whole number from 0."})
    return after, max(1, min(limit, 500))


class ClientAPIView(ScopedAPIView):
    """The base of every client endpoint: a client's token only, reads only."""

    token_kinds = CLIENT_KINDS
    http_method_names = ["get", "head", "options"]

    @property
    def organization(self) -> Organization:
        """The token's organization (the ledger's selectors take it); every row read is its own."""
        organization = cast(ApiToken, self.request.auth).organization  # a client's token always names one
        assert organization is not None
        return organization

    def page(self, request: Request, queryset, serializer: type[serializers.Serializer], **context: Any) -> Response:
        after, limit = _cursor(request)
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[:limit])
        return Response(
            {
                "results": serializer(rows, many=True, context={"request": request, **context}).data,
                "next": rows[-1].pk if rows else after,
            }
        )


class ClientDocumentSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.number", allow_null=True, default=None)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "doc_type",
            "category",
            "direction",
            "document_date",
            "contract",
            "original_name",
            "size",
            "created_at",
            "download",
        ]

    def get_download(self, document: Document) -> str:
        return absolute_url("api:client_document_download", document.pk)


class ClientDocuments(ClientAPIView):
    """GET /client/documents/: the organization's documents, by id."""

    @extend_schema(tags=TAG, parameters=CURSOR, responses={200: ClientDocumentSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        documents = self.get_queryset(Document).select_related("contract").defer("text", "search_vector")
        return self.page(request, documents, ClientDocumentSerializer)


class ClientDocumentDownload(ClientAPIView):
    """GET /client/documents/<id>/download/: the file as stored."""

    model = Document

    @extend_schema(tags=TAG, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request: Request, pk: int):
        document = self.get_queryset().filter(pk=pk).first() if pk < 2**62 else None
        if document is None:
            raise Http404
        return serve_private_file(document.file, document.original_name, document.content_type)


class ClientInvoiceSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.number")
    creditor = serializers.CharField(source="creditor.name")
    creditor_inn = serializers.CharField(source="creditor.inn")
    amount = serializers.DecimalField(max_digits=17, decimal_places=2)
    status = serializers.CharField()
    paid_part = serializers.DecimalField(max_digits=17, decimal_places=2)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "issued_on",
            "due_date",
            "kind",
            "contract",
            "creditor",
            "creditor_inn",
            "amount",
            "vat",
            "purpose",
            "status",
            "paid_part",
        ]


class ClientInvoices(ClientAPIView):
    """GET /client/invoices/: the invoices the organization issued, with their status from the books now."""

    @extend_schema(
        tags=TAG,
        parameters=CURSOR,
        description=(
            "`status`: current, partly_paid (with `paid_part`), paid or annulled — as «Выставленные счета» shows."
        ),
        responses={200: ClientInvoiceSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        after, limit = _cursor(request)
        invoices = list(
            self.get_queryset(Invoice)
            .filter(pk__gt=after)
            .select_related("contract", "creditor")
            .order_by("pk")[:limit]
        )
        org = invoices[0].organization if invoices else None
        if invoices:
            invoice_selectors.with_status(org, invoices)
        return Response(
            {
                "results": ClientInvoiceSerializer(invoices, many=True).data,
                "next": invoices[-1].pk if invoices else after,
            }
        )


class ClientInvoicePdf(ClientAPIView):
    """GET /client/invoices/<id>/pdf/: the issued PDF, never rendered again."""

    model = Invoice

    @extend_schema(tags=TAG, responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request: Request, pk: int):
        invoice = self.get_queryset().filter(pk=pk).first() if pk < 2**62 else None
        if invoice is None:
            raise Http404
        filename = f"invoice-{invoice.number}.pdf"
        if invoice.pdf:
            try:
                return serve_private_file(invoice.pdf, filename, "application/pdf")
            except FileNotFoundError:
                pass  # lost from storage: rendered from the frozen snapshot, without writing
        return bytes_response(invoice_services.invoice_pdf(invoice), filename, "application/pdf")


class ClientRequestSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.number", allow_null=True, default=None)

    class Meta:
        model = Appeal
        fields = ["id", "number", "kind", "status", "contract", "created_at"]


class ClientRequests(ClientAPIView):
    """GET /client/requests/: the organization's requests and appeals with their status."""

    @extend_schema(tags=TAG, parameters=CURSOR, responses={200: ClientRequestSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return self.page(request, self.get_queryset(Appeal).select_related("contract"), ClientRequestSerializer)


class ClientEvents(ClientAPIView):
    """GET /client/events/: what the lessor's side did about the organization, oldest first."""

    @extend_schema(
        tags=TAG,
        parameters=CURSOR,
        description=(
            "What the lessor's side did about the organization, oldest first, by the id cursor: "
            "`contract.created` / `contract.changed` (`contract_id`, `contract`, `status`), `schedule.changed` "
            "(`contract_id`, `contract`), `payment.received` (`payment_id`, `received_on`, `amount`, "
            "`document_number`), `invoice.issued` (`invoice_id`, `number`, `amount`, `due_date`, `pdf`), "
            "`document.published` (`document_id`, `title`, `doc_type`, `download`) and `appeal.status` "
            "(`number`, `status`, `previous`). Events become visible a few seconds after they are written. "
            "The same events are POSTed to the key's webhook (set in «Интеграции») signed with its secret: "
            '`Kabinet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.'
        ),
        responses={200: EventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        # Visible a few seconds after they are written (as the creditors' feed): a transaction still in
        # flight cannot commit an id below the cursor unseen.
        horizon = timezone.now() - timedelta(seconds=settings.API_EVENT_LAG_SECONDS)
        events = self.get_queryset(ApiEvent).filter(created_at__lte=horizon).select_related("organization")
        return self.page(request, events, EventSerializer)


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=17, decimal_places=2, **kwargs)


class ClientContractSerializer(serializers.ModelSerializer):
    creditor = serializers.CharField(source="product.creditor.name")
    creditor_inn = serializers.CharField(source="product.creditor.inn")
    product = serializers.CharField(source="product.name")
    amount = money()
    overdue = money(help_text="«Просрочено»: Σ of what is left of every charge due.")
    next_due_date = serializers.DateField(allow_null=True, help_text="The soonest unpaid line from today.")
    next_amount = money(allow_null=True)
    status = serializers.CharField(help_text="active, closed or no_data.")

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "status",
            "creditor",
            "creditor_inn",
            "product",
            "amount",
            "currency",
            "signed_on",
            "start_date",
            "end_date",
            "overdue",
            "next_due_date",
            "next_amount",
        ]


class ClientContracts(ClientAPIView):
    """GET /client/contracts/: the organization's contracts with every creditor, with what is overdue and
    the next payment (the ledger's figures, as «Договоры» shows them)."""

    @extend_schema(tags=TAG, parameters=CURSOR, responses={200: ClientContractSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        after, limit = _cursor(request)
        contracts = list(
            self.get_queryset(Contract).filter(pk__gt=after).select_related("product__creditor").order_by("pk")[:limit]
        )
        if contracts:
            org = self.organization
            ledger.with_next_payment(org, contracts)
            overdue = ledger.contracts_overdue(org, [c.pk for c in contracts])
            for contract in contracts:
                contract.overdue = overdue[contract.pk]
        return Response(
            {
                "results": ClientContractSerializer(contracts, many=True).data,
                "next": contracts[-1].pk if contracts else after,
            }
        )


class ClientScheduleLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.CharField(source="contract.number")
    contract_id = serializers.IntegerField()
    creditor = serializers.CharField(source="contract.product.creditor.name")
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    amount = money()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat_amount = money()
    paid_amount = money(help_text="What the payments received paid of the line.")
    paid_date = serializers.DateField(allow_null=True)
    outstanding = money()
    status = serializers.CharField(help_text="paid, overdue or unpaid.")


class ClientSchedules(ClientAPIView):
    """GET /client/schedules/: every schedule line of every contract, with its status and what is paid."""

    @extend_schema(
        tags=TAG,
        parameters=CURSOR,
        description=(
            "`status`: paid (nothing left), overdue (due before today with something left) or unpaid; "
            "`paid_amount` and `outstanding` as the contract's card shows them."
        ),
        responses={200: ClientScheduleLineSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        after, limit = _cursor(request)
        lines = ledger.schedule_lines_after(self.organization, after=after, limit=limit)
        return Response(
            {
                "results": ClientScheduleLineSerializer(lines, many=True).data,
                "next": lines[-1].pk if lines else after,
            }
        )


class ClientDebtLineSerializer(serializers.Serializer):
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, source="rate")
    amount = money()
    vat = money()


class ClientBooksSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    amount = money(source="books_amount")
    penalty = money(source="books_penalty")
    agrees = serializers.BooleanField(help_text="Whether the books' figure equals the portal's on that date.")


class ClientContractDebtSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    contract = serializers.CharField(source="contract.number")
    creditor = serializers.CharField(source="contract.product.creditor.name")
    amount = money(help_text="The contract's debt today: the books' figure rolled forward, else the portal's overdue.")
    portal = money(help_text="The portal's own overdue (its breakdown by VAT rate).")
    lines = ClientDebtLineSerializer(many=True)
    books = ClientBooksSerializer(source="books_check", allow_null=True)


class ClientDebtSerializer(serializers.Serializer):
    total = money()
    count = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    results = ClientContractDebtSerializer(many=True, source="rows")
    next = serializers.CharField(source="next_cursor", help_text="The cursor of the next page; empty at the end.")


class ClientDebt(ClientAPIView):
    """GET /client/debt/: the debt the main page shows, per contract across every creditor."""

    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("after", str, description="`next` of the previous page (empty: the first page)."),
            OpenApiParameter("limit", int, description="At most this many contracts (1–500, 100 by default)."),
        ],
        description=(
            "The same figures as «Задолженность» on the main page: `total` over every contract in debt, "
            "each contract's `amount` (the books' figure rolled forward where the books sent one, else "
            "the portal's overdue), `portal` and its `lines` per VAT rate, and the books' own figure in "
            "`books`. Largest debt first; the cursor is `next`."
        ),
        responses={200: ClientDebtSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.query_params.get("limit", 100)), 500))
        except ValueError as exc:
            raise ValidationError({"limit": "A whole number."}) from exc
        after = request.query_params.get("after", "")[:80]
        summary = ledger.org_debt(self.organization, after=after, limit=limit)
        return Response(ClientDebtSerializer(summary).data)


class ClientBankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = SettlementAccount
        fields = ["id", "bank_name", "bank_city", "bic", "account", "correspondent_account", "is_default"]


class ClientBankAccounts(ClientAPIView):
    """GET /client/bank-accounts/: the organization's own bank accounts (the payer of the payment orders
    «Платёжные поручения для банка» writes), as the organization card holds them."""

    @extend_schema(tags=TAG, parameters=CURSOR, responses={200: ClientBankAccountSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return self.page(request, self.get_queryset(SettlementAccount), ClientBankAccountSerializer)


class _Side(serializers.Serializer):
    date = serializers.DateField()
    document = serializers.CharField()
    text = serializers.CharField(required=False)
    debit = serializers.DecimalField(max_digits=17, decimal_places=2)
    credit = serializers.DecimalField(max_digits=17, decimal_places=2)
    row = serializers.IntegerField(allow_null=True, help_text="The row of the client's file (its side only).")


class _Line(serializers.Serializer):
    status = serializers.CharField(help_text="match, differs, only_client or only_books.")
    what = serializers.CharField(help_text="What differs on a `differs` line: amount, date or document; else empty.")
    books = _Side(allow_null=True)
    client = _Side(allow_null=True, help_text="Mirrored to the books' side: the client's debit is the credit.")


class _Balances(serializers.Serializer):
    opening = serializers.DecimalField(max_digits=17, decimal_places=2)
    debit = serializers.DecimalField(max_digits=17, decimal_places=2)
    credit = serializers.DecimalField(max_digits=17, decimal_places=2)
    closing = serializers.DecimalField(max_digits=17, decimal_places=2)


class ClientReconciliationSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.number", allow_null=True, default=None)
    status = serializers.CharField(help_text="mapping (columns still to confirm) or compared.")
    books = serializers.SerializerMethodField()
    client = serializers.SerializerMethodField()

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "filename",
            "start",
            "end",
            "contract",
            "status",
            "differences",
            "compared_at",
            "created_at",
            "books",
            "client",
        ]

    @extend_schema_field(_Balances(allow_null=True))
    def get_books(self, obj: Reconciliation) -> dict | None:
        return (obj.result or {}).get("books")

    @extend_schema_field(_Balances(allow_null=True))
    def get_client(self, obj: Reconciliation) -> dict | None:
        found = (obj.result or {}).get("client")
        return {k: found[k] for k in ("opening", "debit", "credit", "closing")} if found else None


class ClientReconciliationDetailSerializer(ClientReconciliationSerializer):
    lines = serializers.SerializerMethodField()

    class Meta(ClientReconciliationSerializer.Meta):
        fields = [*ClientReconciliationSerializer.Meta.fields, "lines"]

    @extend_schema_field(_Line(many=True))
    def get_lines(self, obj: Reconciliation) -> list:
        return (obj.result or {}).get("lines", [])


class ClientReconciliations(ClientAPIView):
    """GET /client/reconciliations/: the organization's comparisons of its own data (its акт сверки or 1С
    account card, uploaded in «Сверка с вашими данными») with the books: totals and closing balances."""

    @extend_schema(tags=TAG, parameters=CURSOR, responses={200: ClientReconciliationSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        uploads = self.get_queryset(Reconciliation).select_related("contract").defer("table")
        return self.page(request, uploads, ClientReconciliationSerializer)


class ClientReconciliation(ClientAPIView):
    """GET /client/reconciliations/<id>/: one comparison line by line (match, differs, only_client,
    only_books), frozen as it was compared."""

    model = Reconciliation

    @extend_schema(tags=TAG, responses={200: ClientReconciliationDetailSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        upload = (
            self.get_queryset(Reconciliation).select_related("contract").filter(pk=pk).first() if pk < 2**62 else None
        )
        if upload is None:
            raise Http404
        return Response(ClientReconciliationDetailSerializer(upload).data)
