"""Phone numbers: whatever a Russian user types, one E.164 string comes out."""

from __future__ import annotations

import re

import phonenumbers

_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str | None) -> str | None:
    """Return the E.164 form of a phone typed in any common Russian way, or None.

    `+7 900 000-00-01`, `8 (900) 000-00-01`, `89000000001`, `79000000001` and `9000000001`
    are the same number.
    """
    if not raw:
        return None
    text = raw.strip()
    digits = _DIGITS.sub("", text)
    if not digits:
        return None
    if not text.startswith("+"):
        if len(digits) == 10 and digits.startswith("9"):
            text = "+7" + digits
        elif len(digits) == 11 and digits[0] in "78":
            text = "+7" + digits[1:]
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """`+79123456789` → `+7 (912) 345-67-89`; other countries in international format."""
    if not e164:
        return ""
    value = str(e164)
    digits = _DIGITS.sub("", value)
    if value.startswith("+7") and len(digits) == 11:
        d = digits[1:]
        return f"+7 ({d[0:3]}) {d[3:6]}-{d[6:8]}-{d[8:10]}"
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
