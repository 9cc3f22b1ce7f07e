from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.formatting import plate_key_expression
from kabinet.core.models import OrgOwned
from kabinet.core.money import vat_included


class MoneyOptions(TypedDict):
    max_digits: int
    decimal_places: int


# Every money column: up to 99 999 999 999 999.99 roubles, kopecks exact.
MONEY: MoneyOptions = {"max_digits": 16, "decimal_places": 2}
_VIN = RegexValidator(r"^[A-HJ-NPR-Z0-9]{17}$", _("A VIN has 17 characters: Latin letters except I, O, Q, and digits."))


class Contract(OrgOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Contract is active")
        CLOSED = "closed", _("Contract is closed")
        NO_DATA = "no_data", _("No data")

    number = models.CharField(_("number"), max_length=64)
    product = models.ForeignKey(
        "creditors.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="contracts"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NO_DATA)
    amount = models.DecimalField(_("contract amount"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="contract_unique_number_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "number"], name="contract_org_status"),
            models.Index(fields=["organization", "product", "number"], name="contract_org_product"),
            # The list's order; with the id in the index a page's keys are read from the index alone.
            models.Index(
                fields=["organization", "-start_date", "number"], name="contract_org_start_id", include=["id"]
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def term_months(self) -> int | None:
        if not (self.start_date and self.end_date):
            return None
        return (self.end_date.year - self.start_date.year) * 12 + self.end_date.month - self.start_date.month


class LeasedItem(OrgOwned):
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="items")
    make = models.CharField(_("make"), max_length=64)
    model = models.CharField(_("model"), max_length=128)
    vin = models.CharField(_("VIN"), max_length=17, blank=True, validators=[_VIN])
    plate = models.CharField(_("registration plate"), max_length=16, blank=True)
    # Upper case, no spaces, Cyrillic look-alikes as Latin: what a search compares against.
    # Computed by the database, so rows written in bulk (integration API) get it too.
    plate_key = models.GeneratedField(
        expression=plate_key_expression("plate"), output_field=models.CharField(max_length=32), db_persist=True
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("leased item")
        verbose_name_plural = _("leased items")
        ordering = ["contract", "make", "model"]
        indexes = [
            models.Index(fields=["organization", "vin"], name="item_org_vin"),
            models.Index(fields=["organization", "plate_key"], name="item_org_plate"),
            models.Index(fields=["organization", "contract"], name="item_org_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model}"


class ScheduledPayment(OrgOwned):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="payments"
    )
    number = models.PositiveSmallIntegerField(_("payment number"), default=0)
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    vat_rate = models.DecimalField(_("VAT rate, %"), max_digits=5, decimal_places=2, default=Decimal("20"))
    vat_amount = models.DecimalField(_("VAT"), **MONEY, default=Decimal("0"))
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    paid_date = models.DateField(_("paid on"), null=True, blank=True)
    is_paid = models.BooleanField(_("paid in full"), default=False)

    class Meta:
        verbose_name = _("scheduled payment")
        verbose_name_plural = _("scheduled payments")
        ordering = ["contract", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "due_date", "number"], name="payment_unique_in_schedule"),
        ]
        indexes = [
            # The payment calendar: an organization's unpaid payments by due date.
            models.Index(fields=["organization", "is_paid", "due_date"], name="payment_org_unpaid_due"),
            models.Index(fields=["contract", "is_paid", "due_date"], name="payment_contract_unpaid_due"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.due_date}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid_amount, Decimal("0"))

    @property
    def vat(self) -> Decimal:
        """VAT inside the payment, computed by the one rule every page and invoice uses."""
        return vat_included(self.amount, self.vat_rate)

    @property
    def outstanding_vat(self) -> Decimal:
        return vat_included(self.outstanding, self.vat_rate)


class Debt(OrgOwned):
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="debts")
    amount = models.DecimalField(_("overdue amount"), **MONEY)
    penalty = models.DecimalField(_("penalty"), **MONEY, default=Decimal("0"))
    as_of = models.DateField(_("as of"))

    class Meta:
        verbose_name = _("overdue debt")
        verbose_name_plural = _("overdue debts")
        ordering = ["-as_of"]
        constraints = [models.UniqueConstraint(fields=["contract"], name="debt_one_per_contract")]
        indexes = [models.Index(fields=["organization", "as_of"], name="debt_org_asof")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"


class InsurancePolicy(OrgOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="insurance_policies"
    )
    item = models.ForeignKey(
        LeasedItem, verbose_name=_("insured object"), on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=64, blank=True, help_text=_("КАСКО, ОСАГО…"))
    insurer = models.CharField(_("insurer"), max_length=255)
    policy_number = models.CharField(_("policy number"), max_length=64)
    insured_object = models.CharField(_("object"), max_length=255, blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["organization", "contract", "status"], name="policy_org_contract")]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"
