"""Short names of legal entities as Russian documents print them: «ООО «Ромашка»» for «Общество с
ограниченной ответственностью «Ромашка»», «ИП Иванов И. И.» stays as it is. Pure functions (the data
migrations that fill the short-name fields use them too)."""

from __future__ import annotations

import re

# The spelled-out legal forms, longest first (a «Публичное акционерное общество» is not an «АО»).
LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("общество с ограниченной ответственностью", "ООО"),
    ("публичное акционерное общество", "ПАО"),
    ("непубличное акционерное общество", "АО"),
    ("закрытое акционерное общество", "ЗАО"),
    ("открытое акционерное общество", "ОАО"),
    ("акционерное общество", "АО"),
    ("индивидуальный предприниматель", "ИП"),
    ("общество с дополнительной ответственностью", "ОДО"),
    ("государственное унитарное предприятие", "ГУП"),
    ("муниципальное унитарное предприятие", "МУП"),
    ("автономная некоммерческая организация", "АНО"),
    ("некоммерческое партнерство", "НП"),
    ("некоммерческое партнёрство", "НП"),
    ("производственный кооператив", "ПК"),
    ("крестьянское (фермерское) хозяйство", "КФХ"),
)
_SPACES = re.compile(r"\s+")


def short_legal_name(name: str) -> str:
    """The name with its spelled-out legal form abbreviated (case-insensitive, at the start or the end);
    a name already short, or without a known form, is returned as it is (spaces tidied)."""
    text = _SPACES.sub(" ", name or "").strip()
    lowered = text.lower()
    for long, short in LEGAL_FORMS:
        if lowered.startswith(long + " ") or lowered == long:
            rest = text[len(long) :].strip()
            return f"{short} {rest}".strip()
        if lowered.endswith(" " + long):
            rest = text[: -len(long)].strip().rstrip(",").strip()
            return f"{short} {rest}".strip()
    return text


_CITY = re.compile(r"(?:^|[\s,])(г\.\s*[^,]+)")


def city_of(address: str) -> str:
    """The city of an address («г. Санкт-Петербург» of «190000, г. Санкт-Петербург, Невский пр-кт, д. 28»);
    empty when the address names none."""
    found = _CITY.search(address or "")
    return _SPACES.sub(" ", found.group(1)).replace("г.", "г. ", 1).replace("г.  ", "г. ").strip() if found else ""


def derived_short_name(name: str, full_name: str = "") -> str:
    """The short name of an organization from its name and full name: the full name's legal form
    abbreviated when it has a known one, else the name's."""
    from_full = short_legal_name(full_name)
    if full_name and from_full != _SPACES.sub(" ", full_name).strip():
        return from_full
    return short_legal_name(name)
