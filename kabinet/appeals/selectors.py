from __future__ import annotations

from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat

from kabinet.appeals.models import Appeal
from kabinet.core.db import Casefold


def appeal_list(org, *, q: str = "", product_id: int | None = None, kind: str = "", status: str = "") -> QuerySet:
    """«Заявки»: the organization's requests, newest first, filtered and searched (any case, any alphabet)."""
    appeals = Appeal.objects.for_org(org)
    if product_id:
        appeals = appeals.filter(product_id=product_id)
    if kind:
        appeals = appeals.filter(kind=kind)
    if status:
        appeals = appeals.filter(status=status)
    words = [w.casefold() for w in (q or "").split()][:6]
    if words:
        appeals = appeals.annotate(
            haystack=Casefold(
                Concat(
                    "number",
                    Value(" "),
                    "description",
                    Value(" "),
                    Coalesce("topic__name", Value(""), output_field=TextField()),
                    Value(" "),
                    Coalesce("contract__number", Value(""), output_field=TextField()),
                    output_field=TextField(),
                )
            )
        )
        for word in words:
            appeals = appeals.filter(haystack__contains=word)
    return appeals.select_related("topic", "contract", "product").order_by("-created_at", "-id")
