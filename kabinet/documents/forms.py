"""The forms of «Документы»: filters and the upload of a document (files kept across errors)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.contracts.models import Contract
from kabinet.core.files import ACCEPT, check_file_count, check_uploads
from kabinet.documents import selectors
from kabinet.documents.models import Document


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
        kwargs.setdefault("auto_id", "doc-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["doc_type"]).choices = [("", _("All kinds"))] + [(t, t) for t in types]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "doc_type": data.get("doc_type", "") if "doc_type" not in self.errors else "",
            "date_from": data.get("date_from") if "date_from" not in self.errors else None,
            "date_to": data.get("date_to") if "date_to" not in self.errors else None,
            "q": data.get("q", "") if "q" not in self.errors else "",
        }


class _Shared:
    """A field that no form instance changes: the instances share it instead of each deep-copying it
    (`Form.__init__` copies every field, its widget and its choices, on every request of the list)."""

    def __deepcopy__(self, memo):
        return self


class _SharedCharField(_Shared, forms.CharField):
    pass


class _SharedChoiceField(_Shared, forms.ChoiceField):
    pass


class _SharedDateField(_Shared, forms.DateField):
    pass


class DocumentFilterForm(forms.Form):
    """Filters of «Документы». Values that do not fit are dropped rather than failing the page. Only the
    product and document type choices are the organization's: the other fields are shared (`_Shared`)."""

    q = _SharedCharField(
        label=_("Search by documents"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, number, words in the text")}),
    )
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    doc_type = forms.ChoiceField(label=_("Document type"), required=False)
    category = _SharedChoiceField(
        label=_("Kind of document"), required=False, choices=[("", _("All kinds")), *Document.Category.choices]
    )
    # Typed or picked (search-as-you-type): a contract number, not a list of every contract.
    contract = _SharedCharField(label=_("Contract"), required=False, max_length=64)
    # Typed or picked like the contract: a request number (the organization may have thousands).
    appeal = _SharedCharField(label=_("Request"), required=False, max_length=32)
    date_from = _SharedDateField(label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = _SharedDateField(label=_("Date to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # The electronic signature's status (kabinet.signatures): «на подпись», «подписан», «отказ».
    signature = _SharedChoiceField(
        label=_("Signature"),
        required=False,
        choices=[
            ("", pgettext_lazy("signature", "Any")),
            ("pending", _("Awaiting signature")),
            ("signed", _("Signed")),
            ("refused", _("Signing refused")),
        ],
    )
    sort = _SharedChoiceField(
        label=_("Sort"), required=False, choices=[("-date", _("Newest first")), ("date", _("Oldest first"))]
    )

    def __init__(self, *args, products=(), types=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", _("All products"))] + [
            (p.pk, p.name) for p in products
        ]
        cast(forms.ChoiceField, self.fields["doc_type"]).choices = [("", _("All types"))] + [(t, t) for t in types]

    FILTERS = {
        "product": "product_id",
        "doc_type": "doc_type",
        "category": "category",
        "contract": "contract_number",
        "appeal": "appeal_number",
        "date_from": "date_from",
        "date_to": "date_to",
        "signature": "signature",
        "q": "q",
    }

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {arg: data.get(name) for name, arg in self.FILTERS.items() if name not in self.errors and data.get(name)}

    def sort_value(self) -> str:
        return self.cleaned_data.get("sort") or "-date" if hasattr(self, "cleaned_data") else "-date"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        check_file_count(len(files))
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UploadForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]  # a field, not BaseForm.files
        label=_("Files"),
        error_messages={"required": _("Choose at least one file.")},
        help_text=_("PDF, JPEG, PNG, DOC(X), XLS(X); up to 20 MB each"),
    )
    doc_type = forms.CharField(label=_("What is it"), max_length=128, initial=_("Client document"))
    contract = forms.CharField(label=_("Contract"), required=False, max_length=64)
    appeal = forms.CharField(label=_("Request"), required=False, max_length=32)

    def __init__(self, *args, org=None, **kwargs):
        kwargs.setdefault("auto_id", "up-%s")
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_contract(self):
        """The contract number, typed or picked, becomes the organization's contract (or none)."""
        number = self.cleaned_data["contract"].strip()
        if not number:
            return None
        contract = Contract.objects.for_org(self.org).filter(number__iexact=number).first()
        if contract is None:
            raise ValidationError(_("There is no contract with this number."), code="unknown_contract")
        return contract

    def clean_appeal(self):
        """The request number, typed or picked, becomes the organization's request (or none)."""
        number = self.cleaned_data["appeal"].strip()
        if not number:
            return None
        appeal = selectors.appeal_by_number(self.org, number)
        if appeal is None:
            raise ValidationError(_("There is no request with this number."), code="unknown_appeal")
        return appeal

    def clean_files(self):
        files = self.cleaned_data["files"]
        check_uploads(files)
        return files
