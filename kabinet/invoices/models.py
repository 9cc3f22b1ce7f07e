from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned
from kabinet.core.money import MoneyField
from kabinet.core.storage import invoice_upload_to


class InvoiceCounter(models.Model):
    """The last invoice number of a creditor in a year; its row is locked while a number is taken."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")
        constraints = [models.UniqueConstraint(fields=["creditor", "year"], name="invoice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.creditor_id}/{self.year}: {self.last_number}"


class Invoice(OrgOwned):
    """«Счёт на оплату»: for one scheduled payment, or for a contract's overdue debt.

    An issued invoice is a document: `snapshot` freezes everything it shows (both parties'
    requisites, lines, VAT per rate, totals, the QR payload, the signatures) and `pdf` is rendered
    from it once. Nothing here changes after issue; whether it is still to be paid is computed from
    the ledger when shown (`selectors.invoice_status`).
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Scheduled payment")
        DEBT = "debt", _("Overdue debt")

    creditor = models.ForeignKey("creditors.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("number"), max_length=32)
    issued_on = models.DateField(_("date"))
    due_date = models.DateField(_("pay by"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="invoices"
    )
    payment = models.ForeignKey(
        "contracts.ScheduledPayment",
        verbose_name=_("payment"),
        # The books may remove the line later: the invoice stays valid (its snapshot holds everything).
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoices",
    )
    # What the debt invoice was issued for: the same debt asked twice gives the same invoice.
    debt_as_of = models.DateField(_("debt as of"), null=True, blank=True)
    description = models.CharField(_("line"), max_length=255)
    amount = MoneyField(_("total"))
    # [{"rate": "22", "amount": "123.45"}, …]: VAT per rate inside the total.
    vat = models.JSONField(_("VAT"), default=list)
    purpose = models.CharField(_("payment purpose"), max_length=210)
    snapshot = models.JSONField(_("issued content"), default=dict, editable=False)
    pdf = models.FileField(_("PDF"), upload_to=invoice_upload_to, max_length=255, blank=True, editable=False)

    # Set in memory by `selectors.with_status`, not columns.
    status: str
    status_label: str

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "year", "sequence"], name="invoice_number_unique"),
            # organization first: the same rule, and unique within one shard when distributed (docs/scaling.md).
            models.UniqueConstraint(
                fields=["organization", "payment", "amount"],
                condition=models.Q(kind="payment"),
                name="invoice_one_per_payment_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-issued_on", "-sequence"], name="invoice_org_issued_seq"),
            models.Index(fields=["organization", "contract", "-issued_on"], name="invoice_org_contract"),
        ]

    def __str__(self) -> str:
        return self.number
