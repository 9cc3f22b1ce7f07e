"""The forms of «Заявки»: a new request or appeal (topic fields, files, contract) and the answers."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.forms import PHONE_ATTRS, clean_phone_value
from kabinet.appeals.models import AppealKind, AppealStatus, AppealTopic
from kabinet.appeals.services import clean_topic_fields
from kabinet.core.files import check_uploads
from kabinet.documents.forms import MultipleFileField


class AppealForm(forms.Form):
    """The three forms of §6.1–6.3; the fields depend on the type and on the topic's extra fields."""

    topic = forms.TypedChoiceField(label=_("Appeal topic"), coerce=int, empty_value=None)
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int, empty_value=None)
    full_name = forms.CharField(label=_("Full name"), max_length=255)
    phone = forms.CharField(label=_("Phone"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Attach documents"), required=False)  # type: ignore[assignment]  # a field, not BaseForm.files

    def __init__(self, *args, kind: str, contracts=(), topics=(), **kwargs):
        kwargs.setdefault("auto_id", "a-%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        # Choosing a topic redraws the form with the topic's own fields (the dialog or the page).
        self.fields["topic"].widget.attrs.update(
            {
                "hx-get": f"{reverse('appeals:new')}?kind={kind}&refresh=1",
                "hx-include": "#appeal-form",
                "hx-target": "closest [data-appeal-host]",
                "hx-trigger": "change",
            }
        )
        self.topics = {t.pk: t for t in topics}
        self.contracts = {c.pk: c for c in contracts}
        cast(forms.ChoiceField, self.fields["topic"]).choices = [("", _("Choose the topic"))] + [
            (t.pk, t.name) for t in topics
        ]
        cast(forms.ChoiceField, self.fields["contract"]).choices = [("", _("Choose the contract"))] + [
            (c.pk, c.number) for c in contracts
        ]
        if kind == AppealKind.NEW_LEASING:
            del self.fields["topic"], self.fields["contract"], self.fields["files"]
        else:
            del self.fields["full_name"], self.fields["phone"]
            if kind == AppealKind.INSURANCE:
                del self.fields["files"]
            if not topics:
                self.fields["topic"].required = False

    def selected_topic(self) -> AppealTopic | None:
        raw = self.data.get("topic") if self.is_bound else self.initial.get("topic")
        try:
            return self.topics.get(int(raw or ""))
        except (TypeError, ValueError):
            return None

    def extra_fields(self) -> list[dict]:
        topic = self.selected_topic()
        source = self.data if self.is_bound else self.initial
        return [
            {
                **spec,
                "key": f"field_{spec['name']}",
                "value": source.get(f"field_{spec['name']}", ""),
                "value_from": source.get(f"field_{spec['name']}_from", ""),
                "value_to": source.get(f"field_{spec['name']}_to", ""),
                "errors": self.errors.get(f"field_{spec['name']}", []),
            }
            for spec in (topic.extra_fields if topic else [])
            if spec.get("name")
        ]

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data["phone"])

    def clean(self):
        super().clean()
        data = self.cleaned_data
        try:
            data["extra"] = clean_topic_fields(self.selected_topic(), self.data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                # Keys of the topic's own fields, not of this form: straight into the errors.
                self._errors.setdefault(key, self.error_class()).extend(messages)  # type: ignore[attr-defined]
        if data.get("files"):
            try:
                check_uploads(data["files"])
            except ValidationError as exc:
                self.add_error("files", exc)
        return data


class AppealFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by requests"), required=False, max_length=100, widget=forms.SearchInput)
    product = forms.TypedChoiceField(label=_("By product"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("By type"), required=False, choices=[("", _("All types")), *AppealKind.choices])
    status = forms.ChoiceField(
        label=_("By status"), required=False, choices=[("", _("All statuses")), *AppealStatus.choices]
    )

    def __init__(self, *args, products=(), **kwargs):
        kwargs.setdefault("auto_id", "r-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", _("All products"))] + [
            (p.pk, p.name) for p in products
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        names = {"q": "q", "product": "product_id", "kind": "kind", "status": "status"}
        return {arg: data.get(name) for name, arg in names.items() if name not in self.errors and data.get(name)}


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Files"), required=False)  # type: ignore[assignment]  # a field, not BaseForm.files

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)
