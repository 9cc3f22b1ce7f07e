from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.header_cache import HeaderCacheManager
from kabinet.core.legal_names import derived_short_name
from kabinet.core.models import TimeStamped
from kabinet.core.qr import Payee
from kabinet.core.storage import facsimile_upload_to, rules_upload_to
from kabinet.core.validators import (
    bank_account_errors,
    identifier_errors,
    validate_account,
    validate_bic_region,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f5fbf."))

# Payment reminders: days from the due date (before it negative, on the day 0, after it positive).
DEFAULT_REMINDER_DAYS = "-5, -1, 0, 1, 5, 10"
REMINDER_DAYS_LIMIT = 60


def reminder_days_parse(value: str) -> list[int]:
    """The days of a «-5, -1, 0, 1, 5, 10» text, sorted and without repeats; ValueError for anything else."""
    days = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        day = int(part)
        if abs(day) > REMINDER_DAYS_LIMIT:
            raise ValueError(part)
        days.add(day)
    return sorted(days)


def validate_reminder_days(value: str) -> None:
    try:
        reminder_days_parse(value)
    except ValueError as exc:
        raise ValidationError(
            _("Whole days separated by commas, from -%(limit)d to %(limit)d, e.g. «-5, -1, 0, 1, 5, 10»."),
            params={"limit": REMINDER_DAYS_LIMIT},
        ) from exc


# What a payment to the creditor is addressed by (invoices, the payment QR): changing these through the API
# needs a separate scope and is audited with before/after.
REQUISITE_FIELDS = ("name", "inn", "kpp", "bank_name", "bic", "settlement_account", "correspondent_account")


class Creditor(TimeStamped):
    """The lessor (or factor) that operates the portal: its requisites appear on every invoice."""

    name = models.CharField(_("full name"), max_length=255)
    short_name = models.CharField(_("short name for the header"), max_length=64)
    legal_short_name = models.CharField(
        _("short legal name"),
        max_length=255,
        blank=True,
        db_default="",  # rows inserted by the previous release (a rolling deploy) get it too
        help_text=_("As documents print it, e.g. «ООО «Балтийский лизинг»»; derived from the full name when empty."),
    )
    inn = models.CharField(_("INN"), max_length=12, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True, validators=[validate_ogrn])
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    bank_name = models.CharField(_("bank"), max_length=255)
    bic = models.CharField(_("BIC"), max_length=9, validators=[validate_bic_region])
    settlement_account = models.CharField(_("settlement account"), max_length=20, validators=[validate_account])
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, validators=[validate_account])
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    shop_url = models.URLField(
        _("online shop"), blank=True, help_text=_("«Интернет-магазин» in the header; hidden when empty.")
    )
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#1f5fbf", validators=[_COLOR])
    memo = models.TextField(
        _("client memo"), blank=True, help_text=_("«Памятка клиента»: paragraphs separated by blank lines.")
    )
    reminder_days = models.CharField(
        _("payment reminders, days"),
        max_length=128,
        blank=True,
        default=DEFAULT_REMINDER_DAYS,
        db_default=DEFAULT_REMINDER_DAYS,
        validators=[validate_reminder_days],
        help_text=_(
            "When clients are reminded of a payment: days before the due date with a minus, 0 on the day, days "
            "after it without a sign, e.g. «-5, -1, 0, 1, 5, 10». Empty: no reminders."
        ),
    )
    is_default = models.BooleanField(_("opens by default"), default=False)
    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    # Signature lines of invoices and reconciliation statements («Руководитель», «Главный бухгалтер»).
    director_name = models.CharField(
        _("head of the organization"),
        max_length=128,
        blank=True,
        help_text=_("Surname and initials, e.g. «Иванов И. И.»."),
    )
    accountant_name = models.CharField(
        _("chief accountant"), max_length=128, blank=True, help_text=_("Surname and initials, e.g. «Петрова А. С.».")
    )
    director_facsimile = models.ImageField(
        _("director's facsimile"),
        upload_to=facsimile_upload_to,
        max_length=255,
        blank=True,
        help_text=_("An optional signature image (PNG with a transparent background) printed on invoices."),
    )
    accountant_facsimile = models.ImageField(
        _("chief accountant's facsimile"),
        upload_to=facsimile_upload_to,
        max_length=255,
        blank=True,
        help_text=_("An optional signature image (PNG with a transparent background) printed on invoices."),
    )
    # The creditor's client companies: what a token bound to this creditor may read and write.
    clients = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("clients"),
        related_name="creditors",
        blank=True,
        help_text=_("Client companies of this creditor; its integration tokens see only them."),
    )

    objects = HeaderCacheManager()

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")
        ordering = ["-is_default", "short_name"]

    @property
    def print_name(self) -> str:
        """The short name documents print («ООО «Балтийский лизинг»»): the field, else derived."""
        return self.legal_short_name or derived_short_name(self.name)

    def __str__(self) -> str:
        return self.short_name

    def reminder_offsets(self) -> list[int]:
        """The days of `reminder_days` (a stored value that no longer parses reminds on the defaults)."""
        try:
            return reminder_days_parse(self.reminder_days)
        except ValueError:
            return reminder_days_parse(DEFAULT_REMINDER_DAYS)

    def payee(self) -> Payee:
        """The creditor as the payee of a payment QR (ГОСТ Р 56042): the only place these fields are mapped."""
        return Payee(
            name=self.name,
            account=self.settlement_account,
            bank_name=self.bank_name,
            bic=self.bic,
            correspondent_account=self.correspondent_account,
            inn=self.inn,
            kpp=self.kpp,
        )

    def clean(self) -> None:
        errors: dict[str, Any] = bank_account_errors(
            bic=self.bic,
            account=self.settlement_account,
            correspondent=self.correspondent_account,
            field="settlement_account",
        )
        if self.inn:
            errors.update(identifier_errors(inn=self.inn, kpp=self.kpp or "", ogrn=self.ogrn or ""))
        if errors:
            raise ValidationError(errors)


class Product(TimeStamped):
    """A creditor's product: Автолизинг, Коммерческий транспорт, Спецтехника, Факторинг…"""

    creditor = models.ForeignKey(
        Creditor, verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="products"
    )

    class Kind(models.TextChoices):
        LEASING = "leasing", _("Leasing")
        FACTORING = "factoring", _("Factoring")

    name = models.CharField(_("name"), max_length=128)
    # Decides the wording of invoices and statements: «договор лизинга» or «договор факторинга».
    kind = models.CharField(_("kind of contracts"), max_length=16, choices=Kind.choices, default=Kind.LEASING)
    description = models.TextField(_("short description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)

    objects = HeaderCacheManager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["creditor", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["creditor", "name"], name="product_unique_name")]

    def __str__(self) -> str:
        return self.name


class LeasingRulesEdition(TimeStamped):
    """An edition of the creditor's leasing rules («Правила лизинга»), with its file."""

    creditor = models.ForeignKey(Creditor, verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="rules")
    title = models.CharField(_("title"), max_length=255)
    effective_from = models.DateField(_("in force from"))
    file = models.FileField(_("file"), upload_to=rules_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("leasing rules edition")
        verbose_name_plural = _("leasing rules")
        ordering = ["creditor", "-effective_from"]

    def __str__(self) -> str:
        return self.title
