import pytest
from django.http import Http404

from kabinet.contracts.models import Contract
from kabinet.core.access import get_object_for_org
from kabinet.testing.factories import ContractFactory


def test_the_scoped_accessor_returns_own_objects(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    assert get_object_for_org(Contract, org_a, pk=contract.pk) == contract


def test_the_scoped_accessor_turns_another_orgs_object_into_a_404(org_a, contract_b):
    with pytest.raises(Http404):
        get_object_for_org(Contract, org_a, pk=contract_b.pk)


def test_without_an_organization_nothing_is_visible(contract_b):
    assert not Contract.objects.for_org(None).exists()
    with pytest.raises(Http404):
        get_object_for_org(Contract, None, pk=contract_b.pk)


def test_a_row_cannot_point_at_another_organizations_row(org_a, contract_b):
    from django.core.exceptions import ValidationError

    from kabinet.testing.factories import LeasedItemFactory

    item = LeasedItemFactory.build(contract=contract_b, organization=org_a)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "contract" in error.value.message_dict
