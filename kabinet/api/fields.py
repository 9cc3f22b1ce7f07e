"""The fields every serializer of the integration API shares: money's limits, a foreign key by external id."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kabinet.core.money import MONEY_MAX_DIGITS

# Every amount: at most `MONEY_MAX` (15 significant digits), kopecks exact (a 400 naming the field beyond that).
MONEY_FIELD: dict[str, Any] = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": 2}


class ExternalRef(serializers.SlugRelatedField):
    """A reference by external id: «organization: "1C-000123"». Only objects the token reaches are found:
    another creditor's object is «no object», exactly like one that does not exist."""

    def __init__(self, model, **kwargs):
        super().__init__(slug_field="external_id", queryset=model.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = "No object with external id «{value}»."

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:  # PostgreSQL refuses NUL in a text comparison
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)

    def get_queryset(self):
        scope = self.context.get("scope")
        queryset = super().get_queryset()
        assert queryset is not None  # always given in __init__
        if scope is None:  # only the OpenAPI generator builds serializers without a request
            return queryset.none()
        return scope.queryset(queryset.model)
