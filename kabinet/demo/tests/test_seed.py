from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count
from stdnum.ru import inn, ogrn

from kabinet.accounts.models import User
from kabinet.contracts.models import BooksDebt, Contract, LeasedItem, ScheduledPayment
from kabinet.core.formatting import plate_key
from kabinet.core.money import vat_included
from kabinet.creditors.models import Creditor
from kabinet.demo.seed import DEMO_PASSWORD, seed_demo
from kabinet.organizations.models import Membership, Organization


def _row_counts():
    return {m.__name__: m._default_manager.count() for m in apps.get_models() if m.__module__.startswith("kabinet.")}


@pytest.mark.django_db
def test_the_demo_is_idempotent():
    seed_demo()
    first = _row_counts()
    seed_demo()
    assert _row_counts() == first
    assert first["Organization"] == 3 and first["Creditor"] == 1


@pytest.mark.django_db
def test_the_demo_users_sign_in_with_the_readme_credentials(client):
    seed_demo()
    for phone in ("+7 900 000-00-01", "+7 900 000-00-02", "+7 900 000-00-09"):
        response = client.post("/login/", {"username": phone, "password": DEMO_PASSWORD})
        assert response.status_code == 302, phone
        client.post("/logout/")
    admin_memberships = Membership.objects.filter(user__phone="+79000000001", role=Membership.Role.ADMIN)
    assert admin_memberships.count() == 2
    assert Membership.objects.get(user__phone="+79000000002").role == Membership.Role.MANAGER
    assert User.objects.get(phone="+79000000009").is_staff


@pytest.mark.django_db
def test_the_demo_identifiers_are_valid():
    seed_demo()
    for org in Organization.objects.all():
        org.full_clean()
        assert inn.is_valid(org.inn) and ogrn.is_valid(org.ogrn)
    Creditor.objects.get().full_clean()
    for item in LeasedItem.objects.all():
        assert len(item.vin) == 17 and not set("IOQ") & set(item.vin)
        if item.plate:
            assert item.plate_key == plate_key(item.plate)
            assert not set(item.plate) - set("АВЕКМНОРСТУХ0123456789")


@pytest.mark.django_db
def test_the_demo_has_past_overdue_and_upcoming_payments_with_the_right_vat():
    today = date(2026, 11, 27)
    seed_demo(today=today)
    per_org = Contract.objects.values("organization").annotate(n=Count("pk"))
    assert all(5 <= row["n"] <= 15 for row in per_org)
    assert ScheduledPayment.objects.filter(due_date__lt=today, is_paid=True).exists()
    assert ScheduledPayment.objects.filter(due_date__lt=today, is_paid=False).exists()
    assert ScheduledPayment.objects.filter(due_date__gte=today, is_paid=False).exists()
    assert not ScheduledPayment.objects.filter(due_date__lt=date(2026, 1, 1)).exclude(vat_rate=20).exists()
    assert not ScheduledPayment.objects.filter(due_date__gte=date(2026, 1, 1)).exclude(vat_rate=22).exists()
    for payment in ScheduledPayment.objects.all()[:50]:
        assert payment.vat_amount == vat_included(payment.amount, payment.vat_rate)
    with_debt = set(BooksDebt.objects.values_list("organization__inn", flat=True))
    assert "7801234564" in with_debt and "7709876545" not in with_debt


def test_vat_is_extracted_from_a_vat_inclusive_amount():
    assert vat_included(Decimal("122.00"), Decimal("22")) == Decimal("22.00")
    assert vat_included(Decimal("99562.65"), Decimal("20")) == Decimal("16593.78")


@pytest.mark.django_db
def test_the_plate_the_readme_suggests_is_found_for_the_demo_administrator(client):
    seed_demo()
    client.post("/login/", {"username": "+7 900 000-00-01", "password": DEMO_PASSWORD})
    response = client.get("/contracts/", {"q": "e001kx78"})
    assert [c.number for c in response.context["page"].object_list] == [
        Contract.objects.get(items__plate="Е001КХ78").number
    ]


@pytest.mark.django_db
def test_the_demo_loads_again_after_clients_used_it():
    from kabinet.invoices.services import invoice_issue_for_payment

    seed_demo(today=date(2026, 11, 27))
    org = Organization.objects.get(inn="7801234564")
    payment = ScheduledPayment.objects.for_org(org).filter(is_paid=False).first()
    assert payment is not None
    invoice_issue_for_payment(org=org, payment_id=payment.pk)
    seed_demo(today=date(2026, 11, 28))
    assert ScheduledPayment.objects.filter(pk=payment.pk).exists()
    assert ScheduledPayment.objects.count() == 828


@pytest.mark.django_db
def test_each_demo_contracts_amount_is_the_total_of_its_schedule():
    """«Сумма договора» is every payment under the contract, so «Осталось оплатить» never exceeds it."""
    from django.db.models import Sum

    seed_demo()
    contracts = Contract.objects.annotate(scheduled=Sum("payments__amount")).exclude(scheduled=None)
    assert contracts.count() > 10
    for contract in contracts:
        assert contract.amount == contract.scheduled, contract.number
