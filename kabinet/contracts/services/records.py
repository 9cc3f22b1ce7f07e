"""Writes of a contract and its rows (leased items, insurance policies) as the books send them (the
integration API's upserts); the ledger's writes are this package's
other modules. See docs/architecture.md (the write path)."""

from __future__ import annotations

from typing import Any

from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, InsurancePolicy, LeasedItem
from kabinet.core.services import record_put


def contract_put(*, instance: Contract | None, data: dict[str, Any]) -> Contract:
    """A contract moved to another product may change creditor section: its overdue debt row follows."""
    product_before = instance.product_id if instance is not None else None
    contract = record_put(Contract, instance=instance, data=data)
    if instance is not None and contract.product_id != product_before:
        ledger.keep_debt_summary(contract.organization_id, [contract.pk])
    return contract


def leased_item_put(*, instance: LeasedItem | None, data: dict[str, Any]) -> LeasedItem:
    """A contract's row carries its organization itself (the scoped accessor reads it)."""
    return record_put(LeasedItem, instance=instance, data={**data, "organization_id": data["contract"].organization_id})


def insurance_policy_put(*, instance: InsurancePolicy | None, data: dict[str, Any]) -> InsurancePolicy:
    """A contract's row carries its organization itself (the scoped accessor reads it)."""
    return record_put(
        InsurancePolicy, instance=instance, data={**data, "organization_id": data["contract"].organization_id}
    )
