from __future__ import annotations

from decimal import Decimal

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
    # What the invoice prints that the books may change (lines, due dates, periods, amounts, VAT, the
    # payee), hashed on issue: reused only while a fresh issue would print the same (docs/ledger-rules.md).
    # Empty for invoices issued before it existed (compared by amount only).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True, default="", editable=False)
    # What was settled at issue — the line's paid amount, or the contract's payments received — so the
    # money received against the invoice is told from other changes of the books. Null before it existed.
    settled_at_issue = MoneyField(_("settled at issue"), null=True, blank=True, editable=False)
    # Set by the issue POST that replaced this invoice (the same transaction as the new number).
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        editable=False,
    )
    pdf = models.FileField(_("PDF"), upload_to=invoice_upload_to, max_length=255, blank=True, editable=False)

    # Set in memory by `selectors.with_status`, not columns.
    status: str
    status_label: str
    paid_part: Decimal

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "year", "sequence"], name="invoice_number_unique"),
            # organization first: the same rule, and unique within one shard when distributed (docs/scaling.md).
            # One invoice per line, amount and printed content: a line whose date, VAT or payee changed
            # gets a new invoice for the same amount.
            models.UniqueConstraint(
                fields=["organization", "payment", "amount", "fingerprint"],
                condition=models.Q(kind="payment"),
                name="invoice_one_per_payment_print",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-issued_on", "-sequence"], name="invoice_org_issued_seq"),
            models.Index(fields=["organization", "contract", "-issued_on"], name="invoice_org_contract"),
        ]

    def __str__(self) -> str:
        return self.number
