from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from kabinet.core.header_cache import HeaderCacheManager, HeaderCacheQuerySetMixin
from kabinet.core.legal_names import derived_short_name
from kabinet.core.models import OrgOwned, OrgScopedQuerySet, TimeStamped
from kabinet.core.phones import format_phone
from kabinet.core.validators import (
    bank_account_errors,
    identifier_errors,
    validate_account,
    validate_bic_region,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_okved,
)


class MembershipQuerySet(HeaderCacheQuerySetMixin, OrgScopedQuerySet):
    pass


# Russia's time zones, west to east (an organization's clock for its notices' quiet hours).
TIME_ZONES = [
    ("Europe/Kaliningrad", _("Kaliningrad (UTC+2)")),
    ("Europe/Moscow", _("Moscow (UTC+3)")),
    ("Europe/Samara", _("Samara (UTC+4)")),
    ("Asia/Yekaterinburg", _("Yekaterinburg (UTC+5)")),
    ("Asia/Omsk", _("Omsk (UTC+6)")),
    ("Asia/Krasnoyarsk", _("Krasnoyarsk (UTC+7)")),
    ("Asia/Irkutsk", _("Irkutsk (UTC+8)")),
    ("Asia/Yakutsk", _("Yakutsk (UTC+9)")),
    ("Asia/Vladivostok", _("Vladivostok (UTC+10)")),
    ("Asia/Magadan", _("Magadan (UTC+11)")),
    ("Asia/Kamchatka", _("Kamchatka (UTC+12)")),
]


class Organization(TimeStamped):
    """A client company (or sole proprietor) of the creditor."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PENDING = "pending", _("Awaiting confirmation")

    name = models.CharField(_("name"), max_length=255)
    full_name = models.CharField(_("full name"), max_length=500, blank=True)
    short_name = models.CharField(
        _("short name"),
        max_length=255,
        blank=True,
        db_default="",  # rows inserted by the previous release (a rolling deploy) get it too
        help_text=_("As documents print it, e.g. «ООО «Ромашка»»; derived from the full name when empty."),
    )
    inn = models.CharField(_("INN"), max_length=12, unique=True, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("OGRN/OGRNIP"), max_length=15, blank=True, validators=[validate_ogrn])
    okved_code = models.CharField(_("main OKVED code"), max_length=10, blank=True, validators=[validate_okved])
    okved_name = models.CharField(_("main OKVED name"), max_length=500, blank=True)
    director = models.CharField(_("director"), max_length=255, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    data_as_of = models.DateTimeField(
        _("data as of"), null=True, blank=True, help_text=_("When the accounting system last updated this client.")
    )
    # Every member confirms the sign-in with a passkey or an SMS code after the password.
    # The database's own default too: code of the previous release (a rolling deploy, an old migration
    # test) inserts organizations without the column.
    second_factor_required = models.BooleanField(_("second sign-in factor required"), default=False, db_default=False)
    # The clock of its notices' quiet hours (SMS, Telegram): 21:00–09:00 there.
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONES, default="Europe/Moscow", db_default="Europe/Moscow"
    )

    objects = HeaderCacheManager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def print_name(self) -> str:
        """The short name documents print («ООО «Ромашка»»): the field, else derived from the legal form."""
        return self.short_name or derived_short_name(self.name, self.full_name)

    @property
    def is_individual_entrepreneur(self) -> bool:
        return len(self.inn) == 12

    def clean(self) -> None:
        super().clean()
        errors = identifier_errors(inn=self.inn or "", kpp=self.kpp or "", ogrn=self.ogrn or "")
        if errors:
            raise ValidationError(errors)


class Membership(TimeStamped):
    """A user's access to an organization, with a role («Администратор» / «Менеджер»)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MANAGER = "manager", _("Manager")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active member")
        INACTIVE = "inactive", _("Inactive")
        REQUESTED = "requested", _("Request to join")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MANAGER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)

    objects = models.Manager.from_queryset(MembershipQuerySet)()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
        ]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class RegistryCompany(TimeStamped):
    """The local company registry: what `COMPANY_LOOKUP=local` searches. Staff load it from CSV."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Operating")
        LIQUIDATING = "LIQUIDATING", _("Being liquidated")
        LIQUIDATED = "LIQUIDATED", _("Liquidated")
        BANKRUPT = "BANKRUPT", _("Bankrupt")
        REORGANIZING = "REORGANIZING", _("Being reorganized")

    inn = models.CharField(_("INN"), max_length=12, unique=True, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("OGRN/OGRNIP"), max_length=15, blank=True, validators=[validate_ogrn])
    name = models.CharField(_("name"), max_length=255)
    full_name = models.CharField(_("full name"), max_length=500, blank=True)
    director = models.CharField(_("director"), max_length=255, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    okved_code = models.CharField(_("main OKVED code"), max_length=10, blank=True)
    okved_name = models.CharField(_("main OKVED name"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Lower-cased name for the suggestions (SQLite's LIKE folds only ASCII letters).
    search_name = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = _("registry company")
        verbose_name_plural = _("company registry")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.inn})"


class Invitation(TimeStamped):
    """«Добавить сотрудника»: an invitation to a phone. Nobody is linked until the person accepts it —
    signed in (an existing user) or with the SMS code sent to that phone (a new one)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Invitation sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="invitations"
    )
    phone = PhoneNumberField(_("phone"))
    # What the inviter typed: shown back to the inviter only; the person's own data is never shown to them.
    full_name = models.CharField(_("full name"), max_length=255)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.MANAGER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    expires_at = models.DateTimeField(_("valid until"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = models.Manager.from_queryset(MembershipQuerySet)()  # org-scoped, invalidates the header cache

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "phone"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_phone",
            )
        ]
        indexes = [models.Index(fields=["phone", "status"], name="invitation_phone_status")]

    def __str__(self) -> str:
        return f"{format_phone(str(self.phone))} → {self.organization}"


class SettlementAccount(OrgOwned):
    """A bank account of the client organization: the payer of the payment orders the portal writes for
    the client's bank (1CClientBankExchange). Checked like the creditor's requisites; one is the default."""

    bank_name = models.CharField(_("bank"), max_length=160)
    bank_city = models.CharField(_("bank's town"), max_length=80, blank=True, help_text=_("For example, «г. Москва»."))
    bic = models.CharField(_("BIC"), max_length=9, validators=[validate_bic_region])
    account = models.CharField(_("settlement account"), max_length=20, validators=[validate_account])
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, validators=[validate_account])
    is_default = models.BooleanField(_("default"), default=False)
    # The number the next payment order written from this account gets (the client may change it in the form).
    next_order_number = models.PositiveIntegerField(_("next payment order number"), default=1)

    class Meta:
        verbose_name = _("client's bank account")
        verbose_name_plural = _("client's bank accounts")
        ordering = ["-is_default", "bank_name", "account"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "account"], name="settlement_account_unique"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_default=True), name="settlement_account_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} ({self.bank_name})"

    def clean(self) -> None:
        super().clean()
        errors = bank_account_errors(
            bic=self.bic, account=self.account, correspondent=self.correspondent_account, field="account"
        )
        if errors:
            raise ValidationError(errors)
