"""The form of a qualified signature: one `.sig` file for a document."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# CryptoPro and other tools name a detached signature .sig, .sgn or .p7s.
ACCEPT = ".sig,.sgn,.p7s,.p7b,.pem,.txt"


class QualifiedSignatureForm(forms.Form):
    signature_file = forms.FileField(
        label=_("Sign with a qualified signature (.sig file)"),
        help_text=_("A detached signature of this very file made in CryptoPro (DER or BASE64)."),
        error_messages={"required": _("Choose the signature file (.sig).")},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
