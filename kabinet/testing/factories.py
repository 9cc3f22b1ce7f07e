"""Test factories shared by every app's tests (factory_boy)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.db import models
from django.utils import timezone
from stdnum.ru import inn as stdnum_inn

from kabinet.accounts.models import User
from kabinet.contracts.models import BooksDebt, Contract, LeasedItem, PaymentReceived, ScheduledPayment
from kabinet.contracts.services import payments_record
from kabinet.creditors.models import Creditor, Product
from kabinet.organizations.models import Membership, Organization

M = TypeVar("M", bound=models.Model)

PASSWORD = "correct-horse-42"  # noqa: S105 (test fixture)


def _valid_inn(n: int) -> str:
    base = f"77{n:07d}"
    return base + stdnum_inn.calc_company_check_digit(base)


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """`SomeFactory(...)` is typed as the model it makes (factory_boy types only `.create()`)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]  # a factory call returns the model, not the factory


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"+7911{n:07d}")
    full_name = factory.Sequence(lambda n: f"Тестов Тест {n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class CreditorFactory(ModelFactory[Creditor]):
    class Meta:
        model = Creditor

    name = "ООО «Балтийский лизинг»"
    short_name = "БАЛТЛИЗ"
    inn = "7812345675"
    kpp = "783801001"
    bank_name = "ПАО Сбербанк"
    bic = "044030653"
    settlement_account = "40702810755000012345"
    correspondent_account = "30101810500000000653"
    is_default = True


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product

    creditor = factory.SubFactory(CreditorFactory)
    name = factory.Sequence(lambda n: f"Продукт {n}")


class OrganizationFactory(ModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"ООО «Организация {n}»")
    inn = factory.Sequence(_valid_inn)
    kpp = "780101001"
    status = Organization.Status.ACTIVE


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MANAGER
    status = Membership.Status.ACTIVE


class ContractFactory(ModelFactory[Contract]):
    class Meta:
        model = Contract

    organization = factory.SubFactory(OrganizationFactory)
    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: f"AL-26-{n:05d}")
    status = Contract.Status.ACTIVE
    amount = Decimal("3600000.00")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=90))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=900))


class LeasedItemFactory(ModelFactory[LeasedItem]):
    class Meta:
        model = LeasedItem

    contract = factory.SubFactory(ContractFactory)
    organization = factory.SelfAttribute("contract.organization")
    make = "Hyundai"
    model = "Solaris"
    vin = factory.Sequence(lambda n: f"Z94K241CBMR{n:06d}")
    plate = factory.Sequence(lambda n: f"А{n % 1000:03d}ВС78")


class ScheduledPaymentFactory(ModelFactory[ScheduledPayment]):
    class Meta:
        model = ScheduledPayment

    contract = factory.SubFactory(ContractFactory)
    organization = factory.SelfAttribute("contract.organization")
    number = factory.Sequence(lambda n: n % 30000)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    amount = Decimal("100000.00")
    vat_rate = Decimal("22")
    vat_amount = Decimal("18032.79")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """`paid_amount=` / `is_paid=True` record a real payment received for the line (the ledger keeps
        the copies on the row), so tests never write a paid figure the ledger does not have."""
        paid = kwargs.pop("paid_amount", None)
        is_paid = kwargs.pop("is_paid", False)
        paid_date = kwargs.pop("paid_date", None)
        line = super()._create(model_class, *args, **kwargs)
        if is_paid and paid is None:
            paid = line.amount
        if paid:
            pay_line(line, paid, on=paid_date or line.due_date)
            line.refresh_from_db()
        return line


def pay_line(line, amount, *, on=None, external_id=None):
    """Record a payment received for exactly this line (an explicit allocation), through the ledger service."""
    contract = line.contract
    if not contract.external_id:
        contract.external_id = f"TEST-C-{contract.pk}"
        contract.save(update_fields=["external_id"])
    external_id = external_id or f"TEST-P-{PaymentReceived.objects.count() + 1}-{line.pk}"
    payments_record(
        rows=[
            {
                "external_id": external_id,
                "contract": contract,
                "received_on": on or line.due_date,
                "amount": Decimal(amount),
                "document_number": "",
                "allocations": [{"number": line.number, "amount": Decimal(amount)}],
            }
        ]
    )


class DebtFactory(ModelFactory[BooksDebt]):
    class Meta:
        model = BooksDebt

    contract = factory.SubFactory(ContractFactory)
    organization = factory.SelfAttribute("contract.organization")
    amount = Decimal("50000.00")
    as_of = factory.LazyFunction(date.today)
