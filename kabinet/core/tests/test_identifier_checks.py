"""Identifier checks (INN, KPP, OGRN, account numbers) the books and staff can trip."""

import pytest
from django.core.exceptions import ValidationError

from kabinet.core.validators import correspondent_account_errors, identifier_errors, validate_bic_region
from kabinet.testing.factories import CreditorFactory, OrganizationFactory


def test_inn_kpp_and_ogrn_describe_one_kind_of_taxpayer():
    assert identifier_errors(inn="7707083893", kpp="773601001", ogrn="1027700132195") == {}
    assert set(identifier_errors(inn="7707083893", kpp="", ogrn="")) == {"kpp"}
    assert set(identifier_errors(inn="7707083893", kpp="773601001", ogrn="304500116000157")) == {"ogrn"}
    assert identifier_errors(inn="500100732259", kpp="", ogrn="304500116000157") == {}
    assert set(identifier_errors(inn="500100732259", kpp="773601001", ogrn="1027700132195")) == {"kpp", "ogrn"}


def test_a_bic_starts_with_04_and_the_correspondent_account_matches_it():
    validate_bic_region("044030653")
    with pytest.raises(ValidationError):
        validate_bic_region("144030653")
    assert correspondent_account_errors(bic="044030653", account="30101810500000000653") is None
    assert "30101" in (correspondent_account_errors(bic="044030653", account="40702810500000000653") or "")
    assert correspondent_account_errors(bic="044525225", account="30101810500000000653") is not None


@pytest.mark.django_db
def test_the_creditor_and_the_organization_refuse_disagreeing_identifiers():
    creditor = CreditorFactory.build(ogrn="1027700132196")  # checksum wrong
    with pytest.raises(ValidationError) as error:
        creditor.full_clean()
    assert "ogrn" in error.value.message_dict
    creditor = CreditorFactory.build(ogrn="304500116000157")  # an OGRNIP for a company
    with pytest.raises(ValidationError) as error:
        creditor.full_clean(exclude=["external_id"])
    assert "ogrn" in error.value.message_dict
    org = OrganizationFactory.build(inn="500100732259", kpp="773601001")
    with pytest.raises(ValidationError) as error:
        org.full_clean(validate_unique=False)
    assert "kpp" in error.value.message_dict


@pytest.mark.django_db
def test_the_api_answers_400_naming_the_field(client):
    from django.test import Client

    from kabinet.api.models import ApiToken

    _, key = ApiToken.issue(name="1C", can_read=True, can_write=True, staff_wide=True, can_change_requisites=True)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    creditor = {
        "name": "ООО «Лизинг»",
        "short_name": "Лизинг",
        "inn": "7812345675",
        "kpp": "783801001",
        "ogrn": "1027700132195",
        "bank_name": "Банк",
        "bic": "044030653",
        "settlement_account": "40702810755000012345",
        "correspondent_account": "30101810500000000653",
    }
    assert api.put("/api/v1/creditors/CR-9/", creditor, content_type="application/json").status_code == 201
    for field, value in (("bic", "144030653"), ("correspondent_account", "30102810500000000653"), ("kpp", "")):
        response = api.put("/api/v1/creditors/CR-9/", {**creditor, field: value}, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), (field, response.content)
    org = {"name": "ИП Иванов", "inn": "500100732259", "kpp": "773601001", "status": "active"}
    response = api.put("/api/v1/organizations/ORG-IP/", org, content_type="application/json")
    assert response.status_code == 400 and "kpp" in response.json()
