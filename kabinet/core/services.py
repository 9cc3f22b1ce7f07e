"""The one generic write the apps' `<entity>_put` services share (the integration API's upserts of the
books' records). See docs/architecture.md (the write path)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def record_put(model: type[M], *, instance: M | None, data: dict[str, Any]) -> M:
    """Create (`instance` None) or update one row from already-checked data, then run the model's own
    validators (INN checksum, VIN, account numbers). A ValidationError leaves the row written inside the
    caller's transaction, which it rolls back. The apps' `<entity>_put` services are this, plus their rules."""
    if instance is None:
        obj = model._default_manager.create(**data)
    else:
        obj = instance
        for field, value in data.items():
            setattr(obj, field, value)
        obj.save()
    obj.full_clean(validate_unique=False)
    return obj
