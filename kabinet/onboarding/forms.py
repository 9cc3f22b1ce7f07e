"""Forms of registration and «Добавить организацию»: the company is looked up in the registry (DaData)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.forms import PHONE_ATTRS, clean_phone_value
from kabinet.accounts.models import User
from kabinet.core.validators import validate_inn
from kabinet.organizations.lookup import CompanyInfo, LookupError_, get_lookup


class CompanyInput(forms.TextInput):
    """A combobox: as one types, htmx fills the suggestion list under it from the registry (a pick fills
    the hidden INN; see kabinet.js). Without JavaScript it is a text field for the INN."""

    template_name = "accounts/widgets/company_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "autocomplete": "off",
                "data-company-input": "",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "company-suggestions",
                "hx-get": reverse_lazy("accounts:company_suggestions"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#company-suggestions",
                "hx-sync": "this:replace",
                **(attrs or {}),
            }
        )


class CompanyField(forms.CharField):
    """«ИНН или название организации»: free text, resolved to a registry company on the server."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("INN or organization name"))
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", _("Start typing the INN or the name and choose your company"))
        kwargs.setdefault("widget", CompanyInput())
        super().__init__(**kwargs)


def resolve_company(text: str, chosen_inn: str) -> CompanyInfo:
    digits = re.sub(r"\D", "", chosen_inn or "") or re.sub(r"\D", "", text or "")
    if len(digits) not in (10, 12):
        raise ValidationError(
            _("Choose the organization from the list or type its INN (10 or 12 digits)."), code="company"
        )
    validate_inn(digits)
    try:
        company = get_lookup().find_by_inn(digits)
    except LookupError_ as exc:
        raise ValidationError(
            _("The company registry does not answer right now. Try again in a few minutes."), code="lookup"
        ) from exc
    if company is None:
        raise ValidationError(_("No organization with this INN was found. Check the number."), code="not_found")
    if not company.active:
        raise ValidationError(
            _("This organization is not operating (liquidated or being liquidated)."), code="inactive"
        )
    return company


if TYPE_CHECKING:
    _FormBase = forms.Form
else:  # a mixin at run time, checked as the form it is mixed into
    _FormBase = object


class CompanyLookupMixin(_FormBase):
    """A form that looks its company up in the registry (each lookup may spend the lessor's paid DaData
    quota). A view that has counted too many submissions passes `lookup_refused` (the message): the
    registry is then not asked at all and the company field says why."""

    def __init__(self, *args, lookup_refused: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_refused = lookup_refused

    def resolve_company_into(self, data) -> None:
        if "company" not in data:
            return
        if self.lookup_refused:
            self.add_error("company", ValidationError(self.lookup_refused, code="limited"))
            return
        try:
            self.company_info = resolve_company(data["company"], data.get("inn", ""))
        except ValidationError as exc:
            self.add_error("company", exc)


class RegistrationForm(CompanyLookupMixin, forms.Form):
    company = CompanyField()
    inn = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-company-inn": ""}))
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "name", "data-director-field": ""}),
        help_text=_("Filled with the director of the company. If it is not you, enter your own full name."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
        help_text=_("We will send a confirmation code to this number"),
    )
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits. Make sure Caps Lock is off."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    consent_terms = forms.BooleanField(
        label=_("I accept the terms of the user agreement for the client portal"),
        error_messages={"required": _("Accept the user agreement to continue.")},
    )
    consent_personal_data = forms.BooleanField(
        label=_("I consent to the processing of my personal data"),
        error_messages={"required": _("Give the consent to personal data processing to continue.")},
    )

    def clean_full_name(self):
        value = " ".join(self.cleaned_data["full_name"].split())
        if len(value) < 2:
            raise ValidationError(_("Enter your full name."))
        return value

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data["phone"])

    def clean(self):
        super().clean()
        data = self.cleaned_data
        self.resolve_company_into(data)
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The passwords do not match."))
        elif p1:
            probe = User(phone=data.get("phone", ""), email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AddOrganizationForm(CompanyLookupMixin, forms.Form):
    company = CompanyField()
    inn = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-company-inn": ""}))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        self.resolve_company_into(data)
        return data
