"""What an integration token may reach: one creditor's clients and everything under them.

Every API read and write goes through `TokenScope.queryset(Model)` (views through `ScopedAPIView`,
serializers' external-id references through `ExternalRef`), so another creditor's object is a 404 or
an unknown reference, exactly like one that does not exist. A staff-wide token reaches everything.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from kabinet.accounts.models import Registration
from kabinet.api.models import ApiEvent, ApiToken
from kabinet.appeals.models import Appeal
from kabinet.contracts.models import (
    Adjustment,
    BooksDebt,
    BuyoutValue,
    Contract,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.creditors.models import Creditor, Product
from kabinet.documents.models import Document
from kabinet.organizations.models import Organization

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
    ApiEvent: "organization__creditors",
    Registration: "organization__creditors",
}


class TokenScope:
    def __init__(self, token: ApiToken):
        self.token = token
        self.creditor_id: int | None = None if token.staff_wide else token.creditor_id

    @property
    def staff_wide(self) -> bool:
        return self.creditor_id is None

    def queryset(self, model: type[models.Model]) -> models.QuerySet[Any]:
        qs = model._default_manager.all()
        if self.staff_wide:
            return qs
        c = self.creditor_id
        if model in (Document, Appeal):
            # A client's document or request; one tied to a contract or a product only if it is this creditor's.
            return (
                qs.filter(organization__creditors=c)
                .filter(models.Q(contract__isnull=True) | models.Q(contract__product__creditor=c))
                .filter(models.Q(product__isnull=True) | models.Q(product__creditor=c))
            )
        path = _CREDITOR_PATHS.get(model)
        if path is None:
            return qs.none()
        return qs.filter(**{path: c})

    def may_create(self, model: type[models.Model]) -> bool:
        """A creditor's token never creates a creditor; the rest it creates under its own creditor."""
        return self.staff_wide or model is not Creditor


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

    def get_scoped_or_404(self, model: type[models.Model] | None = None, **lookup: Any) -> Any:
        obj = self.get_queryset(model).filter(**lookup).first()
        if obj is None:
            label = (model or self.model)._meta.verbose_name  # type: ignore[union-attr]  # a view always sets one of the two
            raise NotFound(f"No {label} «{next(iter(lookup.values()), '')}».")
        return obj
