from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.core.formatting import plate_key_expression
from kabinet.core.models import OrgOwned
from kabinet.core.money import MONEY_MAX_DIGITS, MoneyField, vat_included, vat_of_remainder
from kabinet.core.storage import closing_document_upload_to


class MoneyOptions(TypedDict):
    max_digits: int
    decimal_places: int


# The API's bound of every money amount: up to `MONEY_MAX` roubles (15 significant digits), kopecks exact.
# The columns themselves are `MoneyField` (whole kopecks in an integer column, exact on SQLite too).
MONEY: MoneyOptions = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": 2}
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
    amount = MoneyField(_("contract amount"), validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)

    # Set on the instances a page shows (not columns): `ledger.with_next_payment`.
    next_due_date: date | None
    next_amount: Decimal | None

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

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # Django's own, made cheaper
        """Django's `get_status_display()` (the label, or the value itself when it is not a choice) without
        hashing every choice on each call: the lists print it on every row."""
        label = _STATUS_LABELS.get(self.status)
        return str(label) if label is not None else self.status

    @property
    def term_months(self) -> int | None:
        if not (self.start_date and self.end_date):
            return None
        return (self.end_date.year - self.start_date.year) * 12 + self.end_date.month - self.start_date.month


_STATUS_LABELS = dict(Contract.Status.choices)


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
    """A schedule line (a charge): what the books say is due under a contract on a date.

    Identified by its contract and number (or the books' external id); a changed line is updated
    in place, so its id, its ICS UID and its invoice links stay. `paid_amount`, `paid_date` and
    `is_paid` are a copy of the ledger's allocation kept by `kabinet.contracts.services.ledger_recompute`
    in the same transaction as every ledger write; every page reads them through `kabinet.contracts.ledger`.
    """

    # No index of their own: (organization, contract, number) and (contract, is_paid, due_date) lead with
    # them, and every index less is one write less per line of a schedule import.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="payments", db_index=False
    )
    number = models.PositiveIntegerField(_("payment number"), default=0)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    due_date = models.DateField(_("due date"))
    amount = MoneyField(_("amount"))
    vat_rate = models.DecimalField(_("VAT rate, %"), max_digits=5, decimal_places=2, default=Decimal("20"))
    vat_amount = MoneyField(_("VAT"), default=Decimal("0"))
    # The primary document the books issued for the charge (УПД or счёт-фактура), when they sent one.
    # The database's own defaults: the previous release's bulk inserts (a rolling deploy) name no such column.
    document_kind = models.CharField(
        _("primary document"), max_length=64, blank=True, db_default="", help_text=_("УПД, счёт-фактура…")
    )
    document_number = models.CharField(_("primary document number"), max_length=64, blank=True, db_default="")
    document_date = models.DateField(_("primary document date"), null=True, blank=True)
    # Kept by the ledger service (see the class docstring); never written elsewhere.
    paid_amount = MoneyField(_("paid"), default=Decimal("0"))
    paid_date = models.DateField(_("paid on"), null=True, blank=True)
    is_paid = models.BooleanField(_("paid in full"), default=False)

    status: str  # set in memory by the ledger (`ledger.card._status`), not a column

    class Meta:
        verbose_name = _("scheduled payment")
        verbose_name_plural = _("scheduled payments")
        ordering = ["contract", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contract", "number"], name="payment_unique_number_in_contract"
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=Q(external_id__isnull=False),
                name="payment_unique_external_id",
            ),
        ]
        indexes = [
            # The payment calendar: an organization's unpaid payments by due date, keyset (due_date, id).
            models.Index(fields=["organization", "is_paid", "due_date", "id"], name="payment_org_unpaid_due_id"),
            models.Index(fields=["contract", "is_paid", "due_date"], name="payment_contract_unpaid_due"),
            # The overdue debt (`ledger.org_debt`): Σ of the unpaid lines due before a day, per contract and
            # VAT rate, read from this index alone (PostgreSQL; elsewhere a partial index on the key).
            models.Index(
                fields=["organization", "due_date"],
                include=["contract", "vat_rate", "amount", "paid_amount"],
                condition=Q(is_paid=False),
                name="payment_org_overdue_sums",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} №{self.number} {self.due_date}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid_amount, Decimal("0"))

    @property
    def vat(self) -> Decimal:
        """VAT inside the payment, computed by the one rule every page and invoice uses."""
        return vat_included(self.amount, self.vat_rate)

    @property
    def outstanding_vat(self) -> Decimal:
        return vat_of_remainder(self.amount, self.paid_amount, self.vat_rate)


class PaymentReceived(OrgOwned):
    """Money the books received from the client under a contract (a payment order), or its reversal."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="payments_received"
    )
    external_id = models.CharField(_("external id"), max_length=64)
    received_on = models.DateField(_("received on"))
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    document_number = models.CharField(_("payment order number"), max_length=64, blank=True)
    # A reversal (сторно) keeps the row: the reconciliation statement shows both entries.
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    reversal_document = models.CharField(_("reversal document"), max_length=64, blank=True)

    # Set in memory by the ledger, not columns: how the payment was split, and what is left of it.
    splits: list[tuple[str, int, Decimal]]
    unallocated: Decimal

    class Meta:
        verbose_name = _("payment received")
        verbose_name_plural = _("payments received")
        ordering = ["contract", "received_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="payment_received_unique_external_id")
        ]
        indexes = [
            models.Index(fields=["organization", "contract", "received_on"], name="received_org_contract_date"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.amount}"


class BooksCharge(OrgOwned):
    """A sum the books put on a contract under their own id; the ledger service keeps what is paid of it
    (as on schedule lines). Penalties and adjustments are the two kinds."""

    external_id = models.CharField(_("external id"), max_length=64)
    paid_amount = MoneyField(_("paid"), default=Decimal("0"))
    is_paid = models.BooleanField(_("paid in full"), default=False)
    # Declared by each kind (with its own related name and field options).
    contract_id: int
    amount: Decimal

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="%(class)s_unique_external_id")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"


class Penalty(BooksCharge):
    """Penalties (пени) the books charged under a contract, with their basis."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="penalties"
    )
    accrued_on = models.DateField(_("accrued on"))
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    basis = models.CharField(_("basis"), max_length=500, blank=True)
    line = models.ForeignKey(
        ScheduledPayment,
        verbose_name=_("overdue payment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="penalties",
    )
    # The books wrote the penalty off on this day: a dated credit entry, the penalty's own entry stays
    # (docs/ledger-rules.md, «Акт сверки»). From this day on nothing of it is owed.
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)

    outstanding: Decimal  # set in memory by the ledger, not a column

    class Meta(BooksCharge.Meta):
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["contract", "accrued_on", "id"]
        indexes = [models.Index(fields=["organization", "is_paid", "accrued_on"], name="penalty_org_unpaid")]


class Adjustment(BooksCharge):
    """A correction of the contract's balance by the books: positive adds to what the client owes
    (a charge due on its date), negative reduces it (a credit, allocated like a payment; only a charge
    has a paid part)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="adjustments"
    )
    date = models.DateField(_("date"))
    amount = MoneyField(_("amount"))
    vat_rate = models.DecimalField(_("VAT rate, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    # The books removed the adjustment on this day: a dated reversal entry, the adjustment's own entry
    # stays (docs/ledger-rules.md, «Акт сверки»). From this day on it counts no more.
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta(BooksCharge.Meta):
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["contract", "date", "id"]
        indexes = [models.Index(fields=["organization", "is_paid", "date"], name="adjustment_org_unpaid")]


class Allocation(OrgOwned):
    """How the books said a payment received is split between charges. A payment without any
    allocation is allocated oldest-due-first by the ledger (not stored: computed the same way each time)."""

    payment = models.ForeignKey(
        PaymentReceived, verbose_name=_("payment received"), on_delete=models.CASCADE, related_name="allocations"
    )
    line = models.ForeignKey(
        ScheduledPayment,
        verbose_name=_("scheduled payment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="allocations",
    )
    penalty = models.ForeignKey(
        Penalty, verbose_name=_("penalty"), on_delete=models.CASCADE, null=True, blank=True, related_name="allocations"
    )
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(
                condition=Q(line__isnull=False, penalty__isnull=True) | Q(line__isnull=True, penalty__isnull=False),
                name="allocation_one_target",
            )
        ]
        indexes = [models.Index(fields=["organization", "payment"], name="allocation_org_payment")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.line_id or self.penalty_id}: {self.amount}"


class BooksDebt(OrgOwned):
    """The overdue debt as the books computed it on a date. Shown next to the ledger's own figure
    with its «по данным на» date; a difference between the two is shown, never hidden."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="debts")
    amount = MoneyField(_("overdue amount"))
    penalty = MoneyField(_("penalty"), default=Decimal("0"))
    as_of = models.DateField(_("as of"))
    # The ledger's own figures on `as_of` (overdue without penalties, overdue penalties), kept by
    # `services.ledger_recompute` in the transaction of every ledger write, like the copies on the lines.
    # None: not computed yet (a row written around the services); the ledger computes it when read.
    ledger_amount = MoneyField(_("overdue by the ledger"), null=True, blank=True, editable=False)
    ledger_penalty = MoneyField(_("penalty by the ledger"), null=True, blank=True, editable=False)
    # The books' amount per VAT rate: [{"rate": "22.00" or null, "amount": "…"}], Σ = `amount`
    # (docs/ledger-rules.md, B4). A single amount is stored as one line at the rate it is read at.
    lines = models.JSONField(_("amount by VAT rate"), default=list, blank=True)
    # Copies for the roll-forward to today (B7), kept like the two above: the advance the ledger held on
    # `as_of` (credits counting then, not spent on charges due before it), and Σ charges due before
    # `as_of` − Σ credits counting now.
    ledger_advance = MoneyField(_("advance by the ledger"), null=True, blank=True, editable=False)
    ledger_balance = MoneyField(_("balance before the date by the ledger"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("debt by the books")
        verbose_name_plural = _("debts by the books")
        ordering = ["-as_of"]
        constraints = [models.UniqueConstraint(fields=["organization", "contract"], name="debt_one_per_contract")]
        indexes = [models.Index(fields=["organization", "as_of"], name="debt_org_asof")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"


class BuyoutValue(OrgOwned):
    """Early buyout (досрочный выкуп): the value the books quote for buying the contract out on a date."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="buyout_values"
    )
    on_date = models.DateField(_("date"))
    amount = MoneyField(_("buyout value"), validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = _("buyout value")
        verbose_name_plural = _("buyout values")
        ordering = ["contract", "on_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "contract", "on_date"], name="buyout_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.on_date}: {self.amount}"


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


class CalendarFeed(models.Model):
    """A person's secret calendar subscription to the unpaid payments of one organization (14.20).

    Only the SHA-256 of the secret is kept: the address is shown once, when it is made; a new address
    (rotation) ends the old one, and revoking ends the subscription.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_user_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"


class PaymentReminder(OrgOwned):
    """One reminder of one schedule line told to one person on one channel, `offset` days from its due date
    (negative before it). The unique key is the lock of the daily job: a second run (or a second scheduler
    on another machine) cannot insert it again, so nothing goes out twice. The SMS and Telegram rows are the
    outbox messages it went as (the back office reads their delivery from them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    line = models.ForeignKey(
        ScheduledPayment, verbose_name=_("schedule line"), on_delete=models.CASCADE, related_name="reminders"
    )
    offset = models.SmallIntegerField(_("days from the due date"))
    channel = models.CharField(_("channel"), max_length=16)
    sent_on = models.DateField(_("reminded on"))
    digest = models.BooleanField(_("in the daily digest"), default=False)
    sms_message = models.ForeignKey(
        "accounts.SmsMessage", verbose_name=_("SMS"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    telegram_message = models.ForeignKey(
        "notifications.TelegramMessage",
        verbose_name=_("Telegram message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "line", "offset", "channel"], name="payment_reminder_once_per_channel"
            )
        ]
        indexes = [models.Index(fields=["organization", "sent_on"], name="payment_reminder_day")]

    def __str__(self) -> str:
        return f"{self.user} · {self.line_id} · {self.offset:+d} · {self.channel}"


class DebtRow(OrgOwned):
    """One contract's row of the main page's «Просроченная задолженность» on `as_of`, as `ledger.org_debt`
    computes it from the whole ledger: kept by `ledger_recompute` in the transaction of every ledger write
    and rebuilt for the whole organization on its first write of a day and by the nightly job
    (`kabinet.contracts.ledger.summary`). Only contracts in debt (`amount` > 0) have a row."""

    # No index of their own: the unique (organization, contract) and the indexes below lead with the organization.
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    creditor = models.ForeignKey(
        "creditors.Creditor", verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    as_of = models.DateField(_("as of"))
    amount = MoneyField(_("debt amount"))
    # The portal's own overdue per VAT rate: [[rate or null, amount, VAT, penalty?], …] (decimal strings).
    lines = models.JSONField(_("overdue by VAT rate"), default=list, blank=True)

    class Meta:
        verbose_name = _("overdue debt row")
        verbose_name_plural = _("overdue debt rows")
        constraints = [models.UniqueConstraint(fields=["organization", "contract"], name="debtrow_one_per_contract")]
        indexes = [
            models.Index(fields=["organization", "-amount", "contract"], name="debtrow_org_amount"),
            models.Index(fields=["organization", "creditor", "-amount", "contract"], name="debtrow_section_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"


class DebtTotal(OrgOwned):
    """The overdue debt's total and count of one organization on `as_of`: one row for the whole
    organization (`creditor` empty) and one per creditor section with debt, summed from `DebtRow` in the
    same transaction. A page reads it only when `as_of` is today (lines turn overdue at midnight)."""

    creditor = models.ForeignKey(
        "creditors.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    as_of = models.DateField(_("as of"))
    total = MoneyField(_("total debt"))
    count = models.PositiveIntegerField(_("contracts in debt"))

    class Meta:
        verbose_name = _("overdue debt total")
        verbose_name_plural = _("overdue debt totals")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "creditor"], condition=Q(creditor__isnull=False), name="debttotal_section"
            ),
            models.UniqueConstraint(fields=["organization"], condition=Q(creditor__isnull=True), name="debttotal_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.creditor_id}: {self.total} ({self.count})"


class ClosingDocument(OrgOwned):
    """A closing document of the books (УПД, счёт-фактура, акт, корректировочный): the one record of it.

    The books send it through the integration API (upsert by creditor and external id, else by creditor,
    kind, number and date), with its PDF and, where they have it, the ФНС XML in the private storage. It is
    what the client's «Закрывающие документы» list and pack show, what the documents library's «УПД»
    entry opens (`documents.Document.closing_document`) and what the акт сверки cites as a charge's
    primary document: a schedule line names it by kind, number and date (`ScheduledPayment.document_*`,
    written from here when the books name the lines; see `closing_documents_put`)."""

    class Kind(models.TextChoices):
        UPD = "upd", _("UPD")
        INVOICE = "invoice", _("VAT invoice")
        ACT = "act", _("Act")
        CORRECTION = "correction", _("Correction document")

    creditor = models.ForeignKey(
        "creditors.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="closing_documents"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closing_documents",
    )
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.UPD)
    number = models.CharField(_("number"), max_length=64)
    date = models.DateField(_("date"))
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    amount = MoneyField(_("amount with VAT"))
    pdf = models.FileField(_("PDF"), upload_to=closing_document_upload_to, max_length=255, blank=True)
    xml = models.FileField(_("FNS XML"), upload_to=closing_document_upload_to, max_length=255, blank=True)

    vat_by_rate: dict[Decimal, Decimal]  # set in memory by the selectors, not a column

    class Meta:
        verbose_name = _("closing document")
        verbose_name_plural = _("closing documents")
        ordering = ["-date", "-id"]
        constraints = [
            # Per organization (the sharding plan's rule); the API also refuses a creditor's key sent for
            # another organization, so a creditor's external id and its kind+number+date name one document.
            models.UniqueConstraint(
                fields=["organization", "creditor", "external_id"],
                condition=Q(external_id__isnull=False),
                name="closing_doc_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["organization", "creditor", "kind", "number", "date"], name="closing_doc_unique_number_date"
            ),
        ]
        indexes = [
            # The list and the pack: an organization's documents of a period, in date order, keyset (date, id).
            models.Index(fields=["organization", "date", "id"], name="closing_doc_org_date_id"),
            models.Index(fields=["organization", "contract", "number"], name="closing_doc_org_contract"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s No. %(number)s of %(date)s") % {
            "kind": self.get_kind_display(),
            "number": self.number,
            "date": f"{self.date:%d.%m.%Y}",
        }

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.vat_lines.all()), Decimal("0"))


class ClosingDocumentVat(OrgOwned):
    """One VAT rate of a closing document: the amount at that rate (VAT included) and its VAT."""

    document = models.ForeignKey(
        ClosingDocument, verbose_name=_("closing document"), on_delete=models.CASCADE, related_name="vat_lines"
    )
    rate = models.DecimalField(_("VAT rate, %"), max_digits=5, decimal_places=2)
    amount = MoneyField(_("amount with VAT"), default=Decimal("0"))
    vat = MoneyField(_("VAT"))

    class Meta:
        verbose_name = _("VAT of a closing document")
        verbose_name_plural = _("VAT of closing documents")
        ordering = ["document", "-rate"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "document", "rate"], name="closing_doc_vat_unique_rate")
        ]

    def __str__(self) -> str:
        return f"{self.rate} %: {self.vat}"
