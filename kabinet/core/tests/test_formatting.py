from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kabinet.core.formatting import format_date, format_datetime, format_inn, format_money, format_plate, plate_key
from kabinet.core.phones import format_phone, normalize_phone
from kabinet.core.validators import (
    check_correspondent_account,
    check_settlement_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)


@pytest.mark.parametrize(
    "typed",
    ["+7 900 000-00-01", "89000000001", "9000000001", "8 (900) 000-00-01", "+79000000001", "7 900 000 00 01"],
)
def test_it_reads_every_common_way_of_typing_a_russian_phone(typed):
    assert normalize_phone(typed) == "+79000000001"


@pytest.mark.parametrize("typed", ["", "abc", "12345", "+7 900"])
def test_it_rejects_what_is_not_a_phone(typed):
    assert normalize_phone(typed) is None


def test_it_formats_phones_the_russian_way():
    assert format_phone("+79123456789") == "+7 (912) 345-67-89"


def test_it_formats_money_with_grouped_thousands_and_a_comma():
    assert format_money(Decimal("99562.65")) == "99\u202f562,65\u00a0₽"
    assert format_money(Decimal("1234567")) == "1\u202f234\u202f567,00\u00a0₽"
    assert format_money(Decimal("0.005"), "") == "0,01"
    assert format_money(Decimal("-5"), "") == "−5,00"


def test_inn_is_digits_only():
    assert format_inn("582876879881") == "582876879881"
    assert format_inn("780 123 4564") == "7801234564"


def test_dates_are_day_month_year_never_iso():
    assert format_date(date(2026, 1, 1)) == "01.01.2026"
    assert format_date("2026-01-01") == "01.01.2026"
    assert format_date(None) == ""
    moscow_evening = datetime(2026, 1, 1, 21, 30, tzinfo=UTC)  # 00:30 on the 2nd in Moscow
    assert format_date(moscow_evening) == "02.01.2026"
    assert format_datetime(moscow_evening) == "02.01.2026 00:30"


@pytest.mark.parametrize("typed", ["а123вс 77", "A123BC77", "А 123 ВС 77", "a123-bc-77"])
def test_plate_key_treats_latin_look_alikes_case_and_spaces_as_the_same(typed):
    assert plate_key(typed) == plate_key("А123ВС77") == "A123BC77"


def test_it_formats_plates_as_written():
    assert format_plate("А123ВС777") == "А 123 ВС 777"


def test_inn_checksum_is_validated():
    validate_inn("7707083893")
    validate_inn("780412345685")
    for bad in ("7707083894", "123", "78041234568x"):
        with pytest.raises(ValidationError):
            validate_inn(bad)


def test_ogrn_and_kpp_are_validated():
    validate_ogrn("1027800123450")
    validate_ogrn("319784700123460")
    validate_kpp("7801AB001")
    with pytest.raises(ValidationError):
        validate_ogrn("1027800123451")
    with pytest.raises(ValidationError):
        validate_kpp("78010100")


def test_bank_account_keys_match_the_bic():
    assert check_correspondent_account("30101810500000000653", "044030653")
    assert check_settlement_account("40702810755000012345", "044030653")
    assert not check_settlement_account("40702810855000012345", "044030653")
