from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.invoices.selectors import InvoiceStatus


class InvoiceFilterForm(forms.Form):
    """Filters of «Выставленные счета»: contract, status today, period of issue. An unknown contract or
    status is dropped; a period whose start is after its end is refused next to the field."""

    contract = forms.TypedChoiceField(label=_("Contract"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *InvoiceStatus.choices]
    )
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    issued_to = forms.DateField(
        label=_("Issued to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, contracts=(), **kwargs):
        kwargs.setdefault("auto_id", "inv-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["contract"]).choices = [("", _("All contracts"))] + [
            (pk, number) for pk, number in contracts
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("The end of the period is earlier than its start."))
        return data

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: (data.get(name) if name not in self.errors else None) or None
            for name in ("contract", "status", "issued_from", "issued_to")
        }
