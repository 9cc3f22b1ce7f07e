"""The books' master data by external id: creditors, products, organizations, contracts, items,
policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kabinet.api import serializers as s
from kabinet.api.models import ApiToken
from kabinet.api.scoping import ScopedAPIView
from kabinet.api.views.common import ERRORS, OK, _external_id
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.contracts.models import (
    Contract,
    InsurancePolicy,
    LeasedItem,
)
from kabinet.contracts.services import contract_status_notify
from kabinet.contracts.services.notices import contract_recorded
from kabinet.contracts.services.records import contract_put, insurance_policy_put, leased_item_put
from kabinet.core.net import Origin
from kabinet.creditors.models import REQUISITE_FIELDS, Creditor, Product
from kabinet.creditors.services import creditor_put, product_put
from kabinet.organizations.models import Organization
from kabinet.organizations.services.organizations import organization_put


class Upsert(ScopedAPIView):
    """PUT /<kind>/<external_id>/: create or update one object by its external id.

    Only objects the token reaches are found; an external id that exists outside the token's creditor
    is a 404 (never a second row, never an overwrite)."""

    model: type[Any]
    serializer_class: type[Any]
    write: Callable[..., Any]  # the owning app's `<entity>_put(*, instance, data)` service
    lookup_fallback: str | None = None  # a natural key that finds a row made before it had an external id

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        _external_id(external_id)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        instance = self.get_queryset().filter(external_id=external_id).first()
        if instance is None:
            if self.scope.exists_anywhere(self.model, external_id=external_id) or not self.scope.may_create(self.model):
                raise NotFound(f"No object with external id «{external_id}».")
            if self.lookup_fallback and request.data.get(self.lookup_fallback):
                instance = self.fallback(request.data[self.lookup_fallback])
        serializer = self.serializer_class(instance, data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        self.previous = {k: getattr(instance, k) for k in serializer.validated_data} if instance else {}
        self.check_change(instance, serializer.validated_data)
        with transaction.atomic():
            changed = instance is None or any(getattr(instance, k) != v for k, v in serializer.validated_data.items())
            try:
                obj = self.write(instance=instance, data={**serializer.validated_data, "external_id": external_id})
            except DjangoValidationError as exc:  # model validators (INN checksum, VIN, accounts) as field errors
                raise ValidationError(getattr(exc, "message_dict", {"non_field_errors": exc.messages})) from exc
            if changed:
                self.after_change(obj, created=instance is None)
        body = {"external_id": external_id, "id": obj.pk, "created": instance is None, "changed": changed}
        return Response(body, status=status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK)

    def fallback(self, value: Any) -> Any:
        lookup: dict[str, Any] = {str(self.lookup_fallback): value, "external_id__isnull": True}
        return self.get_queryset().filter(**lookup).first()

    def check_change(self, instance, data) -> None:
        """Refuse a change the token's scopes do not cover (raises PermissionDenied)."""

    def after_change(self, obj, *, created: bool) -> None:
        pass


class CreditorUpsert(Upsert):
    """A creditor's token updates only its own creditor; its payment requisites need a separate scope."""

    model, serializer_class, write = Creditor, s.CreditorSerializer, staticmethod(creditor_put)

    def check_change(self, instance, data) -> None:
        self.requisites_before = {k: getattr(instance, k, "") for k in REQUISITE_FIELDS} if instance else {}
        touched = [k for k in REQUISITE_FIELDS if k in data and self.requisites_before.get(k, "") != data[k]]
        if touched and not cast(ApiToken, self.request.auth).can_change_requisites:
            raise PermissionDenied(
                f"Changing the payment requisites ({', '.join(touched)}) needs the «change bank requisites» scope."
            )

    def after_change(self, obj, *, created: bool) -> None:
        after = {k: getattr(obj, k) for k in REQUISITE_FIELDS}
        if after != self.requisites_before:
            token = self.request.auth
            audit_record(
                action="creditor_requisites_changed",
                actor_kind=AuditEvent.ActorKind.API,
                obj=obj,
                before=self.requisites_before,
                after={**after, "token": str(token)},
                origin=Origin.of(self.request),
            )


class ProductUpsert(Upsert):
    model, serializer_class, write = Product, s.ProductSerializer, staticmethod(product_put)


class OrganizationUpsert(Upsert):
    model, serializer_class, lookup_fallback = Organization, s.OrganizationSerializer, "inn"
    write = staticmethod(organization_put)

    def fallback(self, value: Any) -> Any:
        found = super().fallback(value)
        if found is None and not self.scope.staff_wide:
            # A company nobody has claimed yet (it registered in the portal itself) may be claimed by
            # INN; a client of another creditor is linked to this one by staff in /admin/ only.
            other = Organization.objects.filter(inn=value).first()
            if other is not None:
                if other.external_id is None and not other.creditors.exists():
                    return other
                raise ValidationError({"inn": ["A client with this INN exists; staff link it to your creditor."]})
        return found

    @extend_schema(responses={200: OK, 201: OK, **ERRORS})
    def put(self, request: Request, external_id: str) -> Response:
        response = super().put(request, external_id)
        creditor_id = self.scope.creditor_id  # None for a staff-wide token
        if creditor_id is not None:  # a claimed or unchanged client is linked too
            Organization.objects.get(pk=response.data["id"]).creditors.add(creditor_id)
        return response


class ContractUpsert(Upsert):
    model, serializer_class, write = Contract, s.ContractSerializer, staticmethod(contract_put)

    def check_change(self, instance, data) -> None:
        # Its schedule, payments, items, documents and invoices carry the organization too: moving the
        # contract alone would orphan them. A contract signed with another company is another contract.
        if instance is not None and "organization" in data and data["organization"].pk != instance.organization_id:
            raise ValidationError(
                {
                    "organization": [
                        "A contract cannot move to another organization: its schedule, payments, documents and "
                        "invoices stay with its client. Send the other company's contract under a new external id."
                    ]
                }
            )

    def after_change(self, obj, *, created: bool) -> None:
        # The contract's company is its creditor's client (what the creditor's tokens reach).
        obj.product.creditor.clients.add(obj.organization_id)
        contract_recorded(contract=obj, created=created)
        if not created and self.previous.get("status") != obj.status:
            contract_status_notify(contract=obj)


class LeasedItemUpsert(Upsert):
    model, serializer_class, write = LeasedItem, s.LeasedItemSerializer, staticmethod(leased_item_put)


class InsurancePolicyUpsert(Upsert):
    model, serializer_class, write = InsurancePolicy, s.InsurancePolicySerializer, staticmethod(insurance_policy_put)
