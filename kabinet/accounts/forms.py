from __future__ import annotations

import re

import phonenumbers
from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import services
from kabinet.accounts.models import User
from kabinet.core.net import client_ip
from kabinet.core.phones import normalize_phone
from kabinet.core.validators import validate_inn
from kabinet.organizations.lookup import CompanyInfo, LookupError_, get_lookup

PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel", "placeholder": "+7 (900) 000-00-00", "data-phone-mask": ""}


def clean_phone_value(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone is None or not phonenumbers.is_valid_number(phonenumbers.parse(phone)):
        raise ValidationError(_("Enter the phone number in full, e.g. +7 (900) 000-00-01."), code="phone")
    return phone


class PhoneLoginForm(AuthenticationForm):
    """«Номер телефона», «Пароль», «Запомнить меня».

    The error never tells whether the phone exists: a malformed phone, an unknown phone and a
    wrong password give the same message, and so does the throttle after repeated failures.
    """

    username = forms.CharField(
        label=_("Phone number"), max_length=32, widget=forms.TextInput(attrs={"autofocus": True, **PHONE_ATTRS})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    remember_me = forms.BooleanField(label=_("Remember me"), required=False)

    error_messages = {
        "invalid_login": _("Wrong phone number or password. Check them and try again."),
        "inactive": _("This account is blocked. Contact the support service."),
        "throttled": _("Too many failed attempts. Try again in %(minutes)d min."),
    }

    def clean(self):
        raw_phone = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if raw_phone is not None and password:
            phone = normalize_phone(raw_phone)
            key = services.signin_phone_key(raw_phone, phone)
            ip = client_ip(self.request) if self.request else None
            blocked = services.signin_blocked_for(phone_key=key, ip=ip, request=self.request, phone=phone)
            if blocked:
                raise ValidationError(
                    self.error_messages["throttled"], code="throttled", params={"minutes": max(1, -(-blocked // 60))}
                )
            self.user_cache = authenticate(self.request, username=phone, password=password) if phone else None
            if self.user_cache is None:
                known = User.objects.filter(phone=phone).first() if phone else None
                services.signin_failed(phone_key=key, request=self.request, user=known)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CompanyField(forms.CharField):
    """«ИНН или название организации»: free text, resolved to a registry company on the server."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("INN or organization name"))
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "data-company-input": ""}))
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


class CompanyLookupMixin:
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
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
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
        data = super().clean()
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


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self):
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not code.isdigit():
            raise ValidationError(_("The code consists of digits."))
        return code


class PasswordResetRequestForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone is None:
            raise ValidationError(_("Enter the phone number in full, e.g. +7 (900) 000-00-01."))
        return phone


class ResetSetPasswordForm(SetPasswordForm):
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    error_messages = {"password_mismatch": _("The passwords do not match.")}

    def save(self, commit=True):
        # The service writes the password and its audit event; the view calls it.
        return self.user


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("First and last name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Password recovery links are sent to this address."),
    )


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(
        label=_("New phone number"),
        max_length=32,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
        help_text=_("We will send a confirmation code to this number."),
    )

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data["phone"])


class PasswordChangeForm(DjangoPasswordChangeForm):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {
        "password_incorrect": _("The current password is wrong."),
        "password_mismatch": _("The passwords do not match."),
    }

    def save(self, commit=True):
        return self.user


class AddOrganizationForm(CompanyLookupMixin, forms.Form):
    company = CompanyField()
    inn = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-company-inn": ""}))

    def clean(self):
        data = super().clean()
        self.resolve_company_into(data)
        return data


class ConsentForm(forms.Form):
    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for document in self.documents:
            self.fields[f"doc_{document.pk}"] = forms.BooleanField(
                label=document.title, error_messages={"required": _("Tick the box to continue.")}
            )


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account will be closed and I will no longer be able to sign in"),
        required=True,
    )
