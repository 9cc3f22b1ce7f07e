"""Reads of the lessor's companies: the creditor section of the header, requisites, products, rules."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.access import KabinetRequest
from kabinet.creditors.models import Creditor, LeasingRulesEdition, Product


def section_filter(request: KabinetRequest) -> Creditor | None:
    """The creditor to filter lists by: only when the installation serves several creditors.

    With one creditor every row is in its section, and the join the filter needs is skipped.
    """
    return request.creditor if len(request.creditors) > 1 else None


def creditor(pk: int) -> Creditor:
    """The creditor itself (the request's section is a cached copy)."""
    return Creditor.objects.get(pk=pk)


def rules_editions(creditor: Creditor) -> QuerySet[LeasingRulesEdition]:
    """The creditor's leasing rules, the newest edition first."""
    return LeasingRulesEdition.objects.filter(creditor=creditor).order_by("-effective_from")


def products(creditor: Creditor) -> QuerySet[Product]:
    return Product.objects.filter(creditor=creditor).order_by("position", "name")
