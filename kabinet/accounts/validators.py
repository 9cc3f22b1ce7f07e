"""Password rules of our own users: Django's similarity check, taught that the login is a phone."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import FieldDoesNotExist


class PhoneAndNameSimilarityValidator(UserAttributeSimilarityValidator):
    """Refuses a password too close to the phone (in any of its usual spellings), the full name or the e-mail.

    Django's validator skips attributes that are not `str`, and the phone is a `PhoneNumber`, so the
    user is shown to it as plain strings: `+79001234567`, `89001234567`, `9001234567`.
    """

    def __init__(self, max_similarity: float = 0.7):
        super().__init__(
            user_attributes=("phone", "phone_national", "phone_local", "full_name", "email"),
            max_similarity=max_similarity,
        )

    def validate(self, password, user=None):
        if not user:
            return
        phone = str(getattr(user, "phone", "") or "")
        digits = "".join(c for c in phone if c.isdigit())
        local = digits[1:] if phone.startswith("+7") else ""
        view = SimpleNamespace(
            phone=phone,
            phone_national=f"8{local}" if local else "",
            phone_local=local,
            full_name=str(getattr(user, "full_name", "") or ""),
            email=str(getattr(user, "email", "") or ""),
            _meta=SimpleNamespace(get_field=lambda name: _field(user, name)),
        )
        super().validate(password, view)  # type: ignore[arg-type]  # a stand-in with the user's attributes


def _field(user, name: str):
    if name.startswith("phone"):
        name = "phone"
    try:
        return user._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        raise FieldDoesNotExist(name) from None
