"""The creditors' part of the header cache (the mechanism is `kabinet.core.header_cache`): the
creditors of the header and their products (the lists' «Продукт» filter)."""

from __future__ import annotations

from kabinet.core.header_cache import CREDITORS, cached, track
from kabinet.creditors.models import Creditor, Product


def creditors() -> list:
    return cached("creditors", CREDITORS, lambda: list(Creditor.objects.all()))


def products(creditor) -> list:
    """The creditor's products, in their order; invalidated with the creditors."""
    if creditor is None:
        return []
    return cached("products", CREDITORS, lambda: list(Product.objects.filter(creditor_id=creditor.pk)), creditor.pk)


def connect() -> None:
    for model in (Creditor, Product):
        track(model, rows=lambda rows: {CREDITORS}, queryset=lambda qs: {CREDITORS})
