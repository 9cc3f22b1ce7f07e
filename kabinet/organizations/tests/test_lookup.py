"""Company lookup: DaData against a local server with DaData's response shape, and the local registry."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.ru import inn as stdnum_inn

from kabinet.core.validators import validate_inn
from kabinet.organizations.lookup import DadataLookup, LocalRegistryLookup, LookupError_
from kabinet.organizations.models import RegistryCompany
from kabinet.organizations.services.registry import registry_import_csv
from kabinet.testing.http import FakeServer, Reply


def party(inn="7707083893", status="ACTIVE", branch="MAIN", kind="LEGAL", name="ПАО СБЕРБАНК"):
    data = {
        "inn": inn,
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "type": kind,
        "branch_type": branch,
        "name": {"full_with_opf": f"ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО «{name}»", "short_with_opf": name},
        "management": {"name": "Греф Герман Оскарович", "post": "ПРЕЗИДЕНТ"},
        "state": {"status": status, "actuality_date": 1700000000000},
        "okved": "64.19",
        "address": {
            "value": "г Москва, ул Вавилова, д 19",
            "unrestricted_value": "117312, г Москва, ул Вавилова, д 19",
        },
    }
    if kind == "INDIVIDUAL":
        data.pop("management")
        data["fio"] = {"surname": "Соколов", "name": "Андрей", "patronymic": "Викторович"}
    return {"value": name, "unrestricted_value": name, "data": data}


def test_dadata_find_by_id_sends_the_documented_request_and_maps_the_head_office():
    with FakeServer(lambda seen: Reply(body={"suggestions": [party()]})) as server:
        info = DadataLookup(token="TOKEN", base_url=server.url).find_by_inn("7707083893")
    assert info is not None
    seen = server.requests[0]
    assert seen.path == "/findById/party"
    assert seen.headers["Authorization"] == "Token TOKEN"
    assert seen.json["query"] == "7707083893" and seen.json["branch_type"] == "MAIN"
    assert info.name == "ПАО СБЕРБАНК" and info.director == "Греф Герман Оскарович"
    assert info.kpp == "773601001" and info.okved_code == "64.19" and info.active
    assert info.legal_address.startswith("117312")


def test_dadata_marks_a_company_that_is_not_active_and_skips_branches():
    answer = {"suggestions": [party(branch="BRANCH", name="ФИЛИАЛ"), party(status="LIQUIDATED", name="ООО ЗАКРЫТО")]}
    with FakeServer(lambda seen: Reply(body=answer)) as server:
        info = DadataLookup(token="T", base_url=server.url).find_by_inn("7707083893")
    assert info is not None and info.name == "ООО ЗАКРЫТО" and not info.active


def test_dadata_suggest_returns_only_operating_head_offices_and_reads_an_entrepreneurs_name():
    answer = {
        "suggestions": [
            party(),
            party(status="BANKRUPT", name="БАНКРОТ"),
            party(branch="BRANCH", name="ФИЛИАЛ"),
            party(inn="780412345685", kind="INDIVIDUAL", name="ИП Соколов Андрей Викторович"),
        ]
    }
    with FakeServer(lambda seen: Reply(body=answer)) as server:
        found = DadataLookup(token="T", base_url=server.url).suggest("сбер")
    assert server.requests[0].path == "/suggest/party"
    assert [c.name for c in found] == ["ПАО СБЕРБАНК", "ИП Соколов Андрей Викторович"]
    assert found[1].director == "Соколов Андрей Викторович"


def test_dadata_that_is_down_is_reported_not_crashed():
    with FakeServer(lambda seen: Reply(status=503, body={})) as server, pytest.raises(LookupError_):
        DadataLookup(token="T", base_url=server.url).find_by_inn("7707083893")
    with pytest.raises(LookupError_):
        DadataLookup(token="T", base_url="http://127.0.0.1:9", timeout=1).suggest("x")


@pytest.fixture
def registry(db):
    return registry_import_csv(
        text="inn;kpp;ogrn;name;full_name;director;legal_address;okved_code;okved_name;status\n"
        "7707083893;773601001;1027700132195;ПАО «Сбербанк»;;Греф Герман Оскарович;г. Москва;64.19;;ACTIVE\n"
        "7801234564;780101001;1027800123450;ООО «Ромашка»;;Иванов Иван Петрович;СПб;49.41;;ACTIVE\n"
        "7709876545;;;ООО «Ромашка-Закрыто»;;Петров;;;;LIQUIDATED\n"
    )


def test_the_local_registry_finds_by_inn_and_suggests_by_name_or_inn_digits(registry):
    assert registry.created == 3 and not registry.errors
    lookup = LocalRegistryLookup()
    known, closed = lookup.find_by_inn("7801234564"), lookup.find_by_inn("7709876545")
    assert known is not None and known.director == "Иванов Иван Петрович"
    assert closed is not None and not closed.active
    assert [c.name for c in lookup.suggest("ромаш")] == ["ООО «Ромашка»"]
    assert [c.name for c in lookup.suggest("РОМАШКА")] == ["ООО «Ромашка»"]
    assert [c.inn for c in lookup.suggest("7707")] == ["7707083893"]


def test_a_csv_with_a_bad_row_loads_nothing_and_names_the_line(db):
    result = registry_import_csv(text="inn;name\n7707083893;Хорошая\n7707083894;Плохой ИНН\n")
    assert result.errors and "Строка 3" in result.errors[0]
    assert not RegistryCompany.objects.exists()


def test_a_csv_row_with_a_known_inn_updates_it(registry):
    result = registry_import_csv(text="inn,name,director\n7707083893,ПАО Сбербанк России,Новый Директор\n")
    assert result.updated == 1 and result.created == 0
    assert RegistryCompany.objects.get(inn="7707083893").director == "Новый Директор"


def test_the_load_registry_command(tmp_path, db):
    path = tmp_path / "registry.csv"
    path.write_text("inn;name\n7707083893;ПАО Сбербанк\n", encoding="utf-8")
    call_command("load_registry", str(path))
    assert RegistryCompany.objects.filter(inn="7707083893").exists()


# Pure functions, but generating from a regex is slow on a loaded machine: no deadline, no «too slow».
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(r"[1-9][0-9]{8}", fullmatch=True))
def test_every_10_digit_inn_with_its_check_digit_is_valid_and_any_other_digit_is_not(base):
    good = base + stdnum_inn.calc_company_check_digit(base)
    validate_inn(good)
    bad = base + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError):
        validate_inn(bad)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(r"[1-9][0-9]{9}", fullmatch=True))
def test_every_12_digit_inn_with_its_check_digits_is_valid_and_a_changed_digit_is_not(base):
    good = base + stdnum_inn.calc_personal_check_digits(base)
    validate_inn(good)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError):
        validate_inn(bad)
