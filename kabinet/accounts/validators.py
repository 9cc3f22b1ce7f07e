"""Password rules of our own users: Django's similarity check, taught that the login is a phone and
that a Russian name is also written in Latin letters."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from types import SimpleNamespace

from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _


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


# --- either alphabet ---------------------------------------------------------------------------------

# Cyrillic to Latin letter by letter (the passport spelling without its diacritics); the skeleton below
# then folds the usual variants of each sound together, so no table of every spelling is needed.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
# Spellings of one sound, longest first: Андрей = andrey = andrei = andrej; Юлия = yuliya = iuliia = julia.
_FOLDS = (
    ("shch", "s"), ("sch", "s"), ("sh", "s"), ("zh", "z"), ("kh", "h"), ("ch", "c"), ("ts", "c"), ("tz", "c"),
    ("x", "ks"), ("yu", "u"), ("iu", "u"), ("ju", "u"), ("ya", "a"), ("ia", "a"), ("ja", "a"), ("yo", "o"),
    ("jo", "o"), ("ey", "e"), ("ei", "e"), ("ej", "e"), ("iy", "i"), ("ii", "i"), ("ij", "i"), ("y", "i"),
    ("j", "i"), ("w", "v"), ("ph", "f"),
)  # fmt: skip
_REPEATS = re.compile(r"(.)\1+")


def skeleton(text: str) -> str:
    """The text in lower-case Latin letters with the spelling variants folded: «Андрей Соколов»,
    "Andrey Sokolov" and "andrei sokolov" have one skeleton. Other characters stay as they are."""
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower()).replace("_", "")
    for variant, folded in _FOLDS:
        latin = latin.replace(variant, folded)
    return _REPEATS.sub(r"\1", latin)


class TransliteratedSimilarityValidator:
    """Refuses a password made of the user's name, e-mail or phone in either alphabet: «Андрей
    Соколов» may not use `andrey.sokolov`, `Sokolov Andrey`, `Andrey1980!` or `андрейсоколов`.

    Both sides are brought to a Latin skeleton (`skeleton`). The password is refused when, after its
    parts that are the user's name parts (three letters or more) are taken out, two letters or fewer
    remain (digits and signs do not count) — or when it is as similar to one of them as Django's
    validator allows (`max_similarity`)."""

    def __init__(self, max_similarity: float = 0.7, min_part: int = 3, max_rest: int = 2):
        self.max_similarity = max_similarity
        self.min_part = min_part
        self.max_rest = max_rest

    def _parts(self, user) -> set[str]:
        values = [str(getattr(user, "full_name", "") or "")]
        email = str(getattr(user, "email", "") or "")
        values.append(email.partition("@")[0])
        parts = set()
        for value in values:
            for part in re.split(r"[\W\d_]+", skeleton(value)):
                if len(part) >= self.min_part:
                    parts.add(part)
        return parts

    def validate(self, password, user=None):
        if not user or not password:
            return
        parts = self._parts(user)
        if not parts:
            return
        folded = skeleton(password)
        rest, removed = folded, False
        for part in sorted(parts, key=len, reverse=True):
            if part in rest:
                rest, removed = rest.replace(part, " "), True
        letters = re.sub(r"[\W\d_]+", "", rest)
        similar = any(
            SequenceMatcher(a=re.sub(r"[\W\d_]+", "", folded), b=part).ratio() >= self.max_similarity for part in parts
        )
        if (removed and len(letters) <= self.max_rest) or similar:
            raise ValidationError(
                _(
                    "The password is too close to your name or e-mail, also when written in the other alphabet. "
                    "Choose a password that has nothing to do with them."
                ),
                code="password_too_similar",
            )

    def get_help_text(self):
        return _("The password may not be made of your name or e-mail, in Cyrillic or Latin letters.")
