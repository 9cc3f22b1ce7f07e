"""Writes of the creditors app: a creditor and its products as the books send them (the integration API's
upserts). The back office edits them through the admin. See docs/architecture.md (the write path)."""

from __future__ import annotations

from typing import Any

from kabinet.core.services import record_put
from kabinet.creditors.models import Creditor, Product


def creditor_put(*, instance: Creditor | None, data: dict[str, Any]) -> Creditor:
    return record_put(Creditor, instance=instance, data=data)


def product_put(*, instance: Product | None, data: dict[str, Any]) -> Product:
    return record_put(Product, instance=instance, data=data)
