from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kabinet.core.phones import normalize_phone


class PhoneLoginForm(AuthenticationForm):
    """«Номер телефона», «Пароль», «Запомнить меня».

    The error never tells whether the phone exists: a malformed phone, an unknown phone and a
    wrong password give the same message.
    """

    username = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "tel",
                "inputmode": "tel",
                "placeholder": "+7 (900) 000-00-00",
                "data-phone-mask": "",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(label=_("Remember me"), required=False)

    error_messages = {
        "invalid_login": _("Wrong phone number or password. Check them and try again."),
        "inactive": _("This account is blocked. Contact the support service."),
    }

    def clean(self):
        raw_phone = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if raw_phone is not None and password:
            phone = normalize_phone(raw_phone)
            self.user_cache = authenticate(self.request, username=phone, password=password) if phone else None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
