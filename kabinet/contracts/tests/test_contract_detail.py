from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kabinet.core.testing import ContractFactory, LeasedItemFactory, ScheduledPaymentFactory


def test_every_contract_url_of_another_organization_is_a_404(client_a, contract_b):
    assert client_a.get(f"/contracts/{contract_b.pk}/").status_code == 404
    # Same answer as for an object that does not exist at all.
    assert client_a.get("/contracts/999999/").status_code == 404


def test_the_card_shows_the_contracts_facts_items_and_schedule(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00077")
    LeasedItemFactory(contract=contract, make="Skoda", model="Octavia", vin="XW8AN2NE5JH012345", plate="А123ВС78")
    today = timezone.localdate()
    ScheduledPaymentFactory(
        contract=contract,
        number=1,
        due_date=today - timedelta(days=30),
        amount=Decimal("100"),
        paid_amount=Decimal("100"),
        is_paid=True,
    )
    ScheduledPaymentFactory(contract=contract, number=2, due_date=today - timedelta(days=1), amount=Decimal("100"))
    ScheduledPaymentFactory(contract=contract, number=3, due_date=today + timedelta(days=29), amount=Decimal("100"))
    response = client_a.get(f"/contracts/{contract.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skoda Octavia" in html and "XW8AN2NE5JH012345" in html and "А 123 ВС 78" in html
    assert response.context["summary"] == {
        "remaining": Decimal("200"),
        "overdue": Decimal("100"),
        "items_count": 1,
    }
    for status in ("Оплачен", "Просрочен", "Не оплачен"):
        assert status in html


def test_the_card_does_not_show_another_organizations_rows_tied_to_the_contract(client_a, org_a, org_b, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    # A corrupted row that points at A's contract but belongs to B never leaks.
    LeasedItemFactory(contract=contract, organization=org_b, make="Leaky", model="Row")
    assert "Leaky" not in client_a.get(f"/contracts/{contract.pk}/").content.decode()
