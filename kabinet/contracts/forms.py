from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.contracts.models import Contract


class ContractFilterForm(forms.Form):
    """Filters of «Договоры». Unknown values are dropped rather than failing the page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, VIN or plate"), "autocomplete": "off"}
        ),
    )
    product = forms.TypedChoiceField(label=_("Type"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Contract.Status.choices]
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All types"))] + [(p.pk, p.name) for p in products]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q", "") if "q" not in self.errors else "",
            "product_id": data.get("product") if "product" not in self.errors else None,
            "status": data.get("status", "") if "status" not in self.errors else "",
        }


class ContractDocumentFilterForm(forms.Form):
    """Filters of a contract card's document tab: kind, dates and keywords."""

    doc_type = forms.ChoiceField(label=_("Kind"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by documents")}),
    )

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].choices = [("", _("All kinds"))] + [(t, t) for t in types]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "doc_type": data.get("doc_type", "") if "doc_type" not in self.errors else "",
            "date_from": data.get("date_from") if "date_from" not in self.errors else None,
            "date_to": data.get("date_to") if "date_to" not in self.errors else None,
            "q": data.get("q", "") if "q" not in self.errors else "",
        }
