"""What an integration token may reach: one creditor's clients and everything under them.

Every API read and write goes through `TokenScope.queryset(Model)` (views through `ScopedAPIView`,
serializers' external-id references through `ExternalRef`), so another creditor's object is a 404 or
an unknown reference, exactly like one that does not exist. A staff-wide token reaches everything.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from kabinet.accounts.models import Registration
from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals.models import Appeal
from kabinet.audit.models import CLIENT_ONLY_EVENT_KINDS
from kabinet.contracts.models import (
    Adjustment,
    BooksDebt,
    BuyoutValue,
    ClosingDocument,
    Contract,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.invoices.models import Invoice
from kabinet.organizations.models import Organization, SettlementAccount
from kabinet.statements.models import Reconciliation

# How each model reaches its creditor. Anything not listed here is not reachable by a creditor's token.
_CREDITOR_PATHS: dict[type[models.Model], str] = {
    Creditor: "pk",
    Product: "creditor",
    Organization: "creditors",
    Contract: "product__creditor",
    LeasedItem: "contract__product__creditor",
    InsurancePolicy: "contract__product__creditor",
    ScheduledPayment: "contract__product__creditor",
    PaymentReceived: "contract__product__creditor",
    Penalty: "contract__product__creditor",
    Adjustment: "contract__product__creditor",
    BooksDebt: "contract__product__creditor",
    BuyoutValue: "contract__product__creditor",
    Registration: "organization__creditors",
    ClosingDocument: "creditor",
}


# What a client's token reads (each is organization-owned, with its own `organization`), and which events:
# what the lessor's side did about the organization, not the client's own actions echoed back.
CLIENT_MODELS: frozenset[type[models.Model]] = frozenset(
    {Contract, ScheduledPayment, Invoice, Document, Appeal, SettlementAccount, Reconciliation}
)
CLIENT_EVENT_KINDS = (ApiEvent.Kind.APPEAL_STATUS, *CLIENT_ONLY_EVENT_KINDS)


class TokenScope:
    """Read from the token's explicit kind: a back-office token reaches everything, a creditor's token its
    creditor's objects; anything else (a creditor's token without a creditor, an unknown kind) reaches
    nothing. An empty creditor never means «everything»."""

    def __init__(self, token: ApiToken):
        self.token = token
        self.staff_wide = token.kind == ApiToken.Kind.STAFF
        self.creditor_id: int | None = token.creditor_id if token.kind == ApiToken.Kind.CREDITOR else None
        self.organization_id: int | None = token.organization_id if token.kind == ApiToken.Kind.CLIENT else None

    def queryset(self, model: type[models.Model]) -> models.QuerySet[Any]:
        qs = model._default_manager.all()
        if model is ApiEvent and self.organization_id is None:
            # The lessor's own writes told to the client's systems are not echoed to the creditors' feed.
            qs = qs.exclude(kind__in=CLIENT_ONLY_EVENT_KINDS)
        if self.staff_wide:
            return qs
        if self.organization_id is not None:
            # A client's token: its own organization's rows of the models the client part serves.
            if model is ApiEvent:
                return qs.filter(organization_id=self.organization_id, kind__in=CLIENT_EVENT_KINDS)
            if model not in CLIENT_MODELS:
                return qs.none()
            return qs.filter(organization_id=self.organization_id)
        c = self.creditor_id
        if c is None:
            return qs.none()
        if model in (Document, Appeal):
            # A client's document or request; one tied to a contract or a product only if it is this creditor's.
            return (
                qs.filter(organization__creditors=c)
                .filter(models.Q(contract__isnull=True) | models.Q(contract__product__creditor=c))
                .filter(models.Q(product__isnull=True) | models.Q(product__creditor=c))
            )
        if model is ApiEvent:
            # An event is read by whoever may read its object: a client's own event (registration, support
            # message) by every creditor of the client; one about a creditor's contract or product by that
            # creditor only (`ApiEvent.creditor`).
            return qs.filter(organization__creditors=c).filter(models.Q(creditor__isnull=True) | models.Q(creditor=c))
        path = _CREDITOR_PATHS.get(model)
        if path is None:
            return qs.none()
        return qs.filter(**{path: c})

    @staticmethod
    def exists_anywhere(model: type[models.Model], **lookup: Any) -> bool:
        """Whether such a row exists at all, whoever's it is: asked only to refuse a second row with a key
        that is taken (answered as «not found»), never to show one."""
        return model._default_manager.filter(**lookup).exists()

    def may_create(self, model: type[models.Model]) -> bool:
        """A creditor's token never creates a creditor; the rest it creates under its own creditor."""
        return self.staff_wide or (self.creditor_id is not None and model is not Creditor)


class ScopedAPIView(APIView):
    """The one base of every integration endpoint: it owns `get_queryset`; subclasses add filters only."""

    model: type[models.Model] | None = None

    @property
    def scope(self) -> TokenScope:
        return TokenScope(cast(ApiToken, self.request.auth))  # `TokenAuthentication` sets it

    def get_queryset(self, model: type[models.Model] | None = None) -> models.QuerySet[Any]:
        wanted = model or self.model
        assert wanted is not None, f"{type(self).__name__} names no model"
        return self.scope.queryset(wanted)

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self, "scope": self.scope}

    def refuse_foreign_rows(self, model: type[models.Model], rows: list[dict], field: str) -> None:
        """Ledger rows are keyed by (organization, external id): in a client shared by two creditors, an
        external id of another creditor's row is refused (400), never overwritten."""
        if self.scope.staff_wide:
            return
        org_ids = {r["contract"].organization_id for r in rows}
        foreign = set(
            model._default_manager.filter(organization_id__in=org_ids, external_id__in=[r["external_id"] for r in rows])
            .exclude(contract__in=self.get_queryset(Contract))
            .values_list("external_id", flat=True)
        )
        errors = {
            str(i): ["This external id belongs to another creditor's contract."]
            for i, r in enumerate(rows)
            if r["external_id"] in foreign
        }
        if errors:
            raise ValidationError({field: errors})
