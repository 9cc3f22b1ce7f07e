"""The filters of «Договоры» (status, product, search), read from the URL."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.contracts.models import Contract


class ContractFilterForm(forms.Form):
    """Filters of «Договоры». Unknown values are dropped rather than failing the page."""

    q = forms.CharField(
        label=_("Search by number, VIN or registration plate"),
        required=False,
        max_length=64,
        widget=forms.SearchInput(attrs={"placeholder": _("e.g. А123ВС77"), "autocomplete": "off"}),
    )
    product = forms.TypedChoiceField(label=_("Type"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Contract.Status.choices]
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", _("All types"))] + [
            (p.pk, p.name) for p in products
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q", "") if "q" not in self.errors else "",
            "product_id": data.get("product") if "product" not in self.errors else None,
            "status": data.get("status", "") if "status" not in self.errors else "",
        }
