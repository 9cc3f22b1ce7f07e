"""The forms of sign-in, codes, password recovery and change, profile and phone change, consents and the
deletion request (Russian errors next to the field)."""

from __future__ import annotations

import re

import phonenumbers
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import services
from kabinet.accounts.models import User
from kabinet.core.net import Origin
from kabinet.core.phones import normalize_phone

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
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, **PHONE_ATTRS}),
        help_text=_("In international format, e.g. +7 (900) 000-00-01"),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Make sure Caps Lock is off"),
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
            origin = Origin.of(self.request) if self.request else None
            device = self.request.COOKIES.get(services.DEVICE_COOKIE) if self.request else None
            blocked = services.signin_blocked_for(phone_key=key, origin=origin, device_cookie=device, phone=phone)
            if blocked:
                raise ValidationError(
                    self.error_messages["throttled"], code="throttled", params={"minutes": max(1, -(-blocked // 60))}
                )
            self.user_cache = authenticate(self.request, username=phone, password=password) if phone else None
            if self.user_cache is None:
                known = User.objects.filter(phone=phone).first() if phone else None
                services.signin_failed(phone_key=key, origin=origin or Origin(), user=known)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


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
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
        help_text=_("In international format, e.g. +7 (900) 000-00-01"),
    )

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone is None:
            raise ValidationError(_("Enter the phone number in full, e.g. +7 (900) 000-00-01."))
        return phone


class ResetSetPasswordForm(SetPasswordForm):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
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
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
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
