"""The «Акт сверки» request form: the period and the contracts."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.contracts.models import Contract

FORMATS = [("pdf", "PDF"), ("xlsx", "Excel (XLSX)")]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatementForm(forms.Form):
    """«Акт сверки»: a period and one contract (by its number) or every contract."""

    date_from = forms.DateField(label=_("Period from"), widget=_date_input())
    date_to = forms.DateField(label=_("Period to"), widget=_date_input())
    contract = forms.CharField(
        label=_("Contract number"),
        required=False,
        max_length=64,
        help_text=_("Leave empty for a statement over all contracts."),
    )
    format = forms.ChoiceField(choices=FORMATS, initial="pdf", required=False)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    @staticmethod
    def initial_for(contract: Contract | None) -> dict:
        today = timezone.localdate()
        # ISO strings: what an <input type="date"> takes, whatever the page's locale.
        return {
            "date_from": date(today.year, 1, 1).isoformat(),
            "date_to": today.isoformat(),
            "contract": contract.number if contract else "",
        }

    def clean_date_to(self) -> date:
        value = self.cleaned_data["date_to"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The period cannot end later than today."))
        return value

    def clean_contract(self) -> Contract | None:
        number = (self.cleaned_data.get("contract") or "").strip()
        if not number:
            return None
        contract = (
            Contract.objects.for_org(self.org).select_related("product__creditor").filter(number__iexact=number).first()
        )
        if contract is None:
            raise forms.ValidationError(_("There is no contract with this number in your organization."))
        return contract

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", _("The start of the period is later than its end."))
        if data.get("format") not in {"pdf", "xlsx"}:
            data["format"] = "pdf"
        return data


class ReconciliationUploadForm(StatementForm):
    """The client's own акт сверки or 1С account card for a period and a contract (or every contract)."""

    file = forms.FileField(
        label=_("Your акт сверки or account card"),
        help_text=_(
            "XLSX as 1С writes «Акт сверки взаимных расчётов» or «Карточка счёта 60/76», or CSV with the columns "
            "date, document, debit, credit (UTF-8 or windows-1251)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["format"]


class ColumnsForm(forms.Form):
    """Which column of the client's file is which: guessed from its header, changed by the user."""

    def __init__(self, *args, header: list[str], roles: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(i), label) for i, label in enumerate(header)]
        for role, label in roles.items():
            self.fields[role] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int, empty_value=None, required=role != "document"
            )

    def mapping(self) -> dict[str, int | None]:
        return {role: self.cleaned_data.get(role) for role in self.fields}
