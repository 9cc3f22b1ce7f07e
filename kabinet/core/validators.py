"""Russian company identifiers, checked by their checksums (python-stdnum) and formats."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")
_OKVED = re.compile(r"\d{2}(\.\d{1,2}){0,2}")


def validate_inn(value: str) -> None:
    if not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(_("INN must have 10 or 12 digits."), code="inn_length")
    try:
        stdnum_inn.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("INN checksum is wrong: check the number."), code="inn_checksum") from exc


def validate_ogrn(value: str) -> None:
    if not value.isdigit() or len(value) not in (13, 15):
        raise ValidationError(_("OGRN must have 13 digits (OGRNIP — 15)."), code="ogrn_length")
    try:
        stdnum_ogrn.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("OGRN checksum is wrong: check the number."), code="ogrn_checksum") from exc


def validate_kpp(value: str) -> None:
    if not _KPP.fullmatch(value):
        raise ValidationError(_("KPP must have 9 characters: 4 digits, 2 digits or letters, 3 digits."), code="kpp")


def validate_okved(value: str) -> None:
    if not _OKVED.fullmatch(value):
        raise ValidationError(_("OKVED code looks like 69.20 or 62.01.1."), code="okved")


def validate_bic(value: str) -> None:
    if not (value.isdigit() and len(value) == 9):
        raise ValidationError(_("BIC must have 9 digits."), code="bic")


def _account_key_valid(account: str, bic: str, correspondent: bool) -> bool:
    # Central Bank of Russia control key: weights 7,1,3 over the 3 BIC digits + 20 account digits.
    prefix = ("0" + bic[4:6]) if correspondent else bic[-3:]
    digits = prefix + account
    weights = (7, 1, 3) * 8
    return sum(int(d) * w for d, w in zip(digits, weights)) % 10 == 0


def validate_account(value: str) -> None:
    if not (value.isdigit() and len(value) == 20):
        raise ValidationError(_("An account number has 20 digits."), code="account")


def check_settlement_account(account: str, bic: str) -> bool:
    return _account_key_valid(account, bic, correspondent=False)


def check_correspondent_account(account: str, bic: str) -> bool:
    return _account_key_valid(account, bic, correspondent=True)


def validate_bic_region(value: str) -> None:
    """A Russian bank's BIC starts with 04 (the country code of the Bank of Russia's directory)."""
    validate_bic(value)
    if not value.startswith("04"):
        raise ValidationError(_("A BIC of a Russian bank starts with 04."), code="bic_country")


def identifier_errors(*, inn: str, kpp: str, ogrn: str) -> dict[str, str]:
    """Whether INN, KPP and OGRN describe one kind of taxpayer: a company has a 10-digit INN, a 13-digit
    OGRN and a KPP; an individual entrepreneur a 12-digit INN, a 15-digit OGRNIP and no KPP."""
    errors: dict[str, str] = {}
    if len(inn) == 10:
        if not kpp:
            errors["kpp"] = str(_("A company (10-digit INN) has a KPP."))
        if ogrn and len(ogrn) != 13:
            errors["ogrn"] = str(_("A company (10-digit INN) has a 13-digit OGRN."))
    elif len(inn) == 12:
        if kpp:
            errors["kpp"] = str(_("An individual entrepreneur (12-digit INN) has no KPP."))
        if ogrn and len(ogrn) != 15:
            errors["ogrn"] = str(_("An individual entrepreneur (12-digit INN) has a 15-digit OGRNIP."))
    return errors


def correspondent_account_errors(*, bic: str, account: str) -> str | None:
    """A bank's correspondent account is 30101… and ends with the last three digits of its BIC."""
    if not (bic and account):
        return None
    if not account.startswith("30101"):
        return str(_("A correspondent account starts with 30101."))
    if account[-3:] != bic[-3:]:
        return str(_("The correspondent account does not match the BIC (its last three digits differ)."))
    if not check_correspondent_account(account, bic):
        return str(_("The account's control key does not match the BIC."))
    return None


def bank_account_errors(*, bic: str, account: str, correspondent: str, field: str) -> dict[str, str]:
    """A settlement account checked against its bank: the control key by the BIC, and the correspondent
    account's (the creditor's requisites and a client's own accounts are checked alike). `field` names
    the settlement account's field in the errors."""
    errors: dict[str, str] = {}
    if bic and account and not check_settlement_account(account, bic):
        errors[field] = str(_("The account's control key does not match the BIC."))
    problem = correspondent_account_errors(bic=bic or "", account=correspondent or "")
    if problem:
        errors["correspondent_account"] = problem
    return errors
