from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from kabinet.core.phones import format_phone, normalize_phone
from kabinet.messaging.models import OutboxMessage


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        phone = normalize_phone(username)
        if phone is None:
            raise self.model.DoesNotExist
        return self.get(phone=phone)

    def create_user(self, phone: str, password: str | None = None, **extra) -> User:
        normalized = normalize_phone(phone)
        if normalized is None:
            raise ValueError("A valid phone number is required")
        email = self.normalize_email(extra.pop("email", ""))
        user = self.model(phone=normalized, email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The phone (E.164) is the login; organizations come through memberships."""

    phone = PhoneNumberField(_("phone"), unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False, help_text=_("Can sign in to the back office."))
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Notification types that also go by e-mail (the portal shows them all).
    email_notification_kinds = models.JSONField(_("notifications by e-mail"), default=list, blank=True)
    email_notifications_set = models.BooleanField(default=False, editable=False)
    # «Выйти на всех устройствах» adds one: every session signed in before it no longer verifies.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "phone"]

    def __str__(self) -> str:
        return self.full_name or format_phone(str(self.phone))

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's hash of the password, plus the session epoch once the user has ended their other
        sessions (at epoch 0 it is Django's own, so no session ends on an upgrade). Django uses this
        for the current key and for SECRET_KEY_FALLBACKS alike."""
        if not self.session_epoch:  # Django's own formula (AbstractBaseUser._get_session_auth_hash)
            salt, value = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", self.password
        else:
            salt, value = "kabinet.accounts.User.get_session_auth_hash", f"{self.password}:{self.session_epoch}"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[1] if " " in self.full_name else self.full_name

    @property
    def phone_display(self) -> str:
        return format_phone(str(self.phone))


class PhoneChallenge(models.Model):
    """A confirmation code sent by SMS. The code itself is never stored: only its keyed hash.

    The code is derived from a random salt with the server's secret (see `services.challenge_code`),
    so the delivery task can rebuild the text without the code sitting in the task queue.
    """

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        PHONE_CHANGE = "phone_change", _("Phone change")
        INVITATION = "invitation", _("Invitation")
        SIGN_IN = "sign_in", _("Second sign-in factor")
        SIGNATURE = "signature", _("Signing a document")

    phone = PhoneNumberField(_("phone"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True)
    registration = models.ForeignKey(
        "accounts.Registration", verbose_name=_("registration"), on_delete=models.CASCADE, null=True, blank=True
    )
    salt = models.CharField(max_length=64, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("valid until"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["phone", "created_at"], name="challenge_phone"),
            models.Index(fields=["ip", "created_at"], name="challenge_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_purpose_display()} {self.created_at:%d.%m.%Y %H:%M}"


class SmsMessage(OutboxMessage):
    """The outbox: one row per SMS, delivered by a background task and retried while the gateway is down
    (`kabinet.messaging.outbox.deliver`, see `kabinet.accounts.services.SMS`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    PENDING, SENDING, DONE, FAILED = Status.QUEUED, Status.SENDING, Status.SENT, Status.FAILED
    DONE_AT = "sent_at"
    KEY_PREFIX = "sms"

    phone = PhoneNumberField(_("phone"))
    # Empty for a code: the text is rebuilt from the challenge at delivery time.
    body = models.TextField(_("text"), blank=True)
    challenge = models.ForeignKey(PhoneChallenge, on_delete=models.CASCADE, null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(_("provider message id"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="sms_status")]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_status_display()}"


class SignInFailure(models.Model):
    """A failed sign-in, counted per phone typed and client IP together."""

    phone_key = models.CharField(max_length=32)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [models.Index(fields=["phone_key", "ip", "created_at"], name="signin_failure")]

    def __str__(self) -> str:
        return f"{self.phone_key} {self.ip}"


class ConsentDocument(models.Model):
    """A version of a text the user agrees to (user agreement, personal-data processing)."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("User agreement")
        PERSONAL_DATA = "personal_data", _("Personal data processing consent")

    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="consent_doc_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, ред. {self.version}"


class Consent(models.Model):
    """One ticked consent (152-FZ): immutable evidence of who agreed to which exact text, when and from where."""

    document = models.ForeignKey(ConsentDocument, verbose_name=_("document"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=16, choices=ConsentDocument.Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, null=True, blank=True)
    registration = models.ForeignKey(
        "accounts.Registration", verbose_name=_("registration"), on_delete=models.PROTECT, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=16)
    accepted_at = models.DateTimeField(_("accepted at (UTC)"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-accepted_at"]
        indexes = [models.Index(fields=["user", "kind", "version"], name="consent_user_kind")]

    def __str__(self) -> str:
        return f"{self.phone}: {self.get_kind_display()} v{self.version}"


class Registration(models.Model):
    """A request to join the portal for a company, or to link one more company («Добавить организацию»)."""

    class Kind(models.TextChoices):
        SIGN_UP = "sign_up", _("Registration")
        ADD_ORGANIZATION = "add_org", _("Add organization")

    class Status(models.TextChoices):
        PHONE_PENDING = "phone_pending", _("Phone not confirmed")
        AWAITING_ORG_ADMIN = "org_admin", _("Awaiting the organization's administrator")
        AWAITING_APPROVAL = "awaiting", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.SIGN_UP)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PHONE_PENDING)
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True, related_name="registrations"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    inn = models.CharField(_("INN"), max_length=12)
    company_name = models.CharField(_("company"), max_length=255)
    # The registry's data about the company, as found at registration.
    company_data = models.JSONField(_("company data"), default=dict, blank=True)
    full_name = models.CharField(_("full name"), max_length=255)
    phone = PhoneNumberField(_("phone"))
    email = models.EmailField(_("e-mail"), blank=True)
    password = models.CharField(max_length=128, editable=False, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A join request to a company that has administrators: one of them approved it first.
    org_admin_approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by the organization's administrator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    phone_confirmed_at = models.DateTimeField(_("phone confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="registration_queue")]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.inn}) — {self.full_name}"


class ConsentWithdrawal(models.Model):
    """The user withdrew a consent (152-FZ art. 9 §2). The consent row itself stays as evidence of what was
    agreed before; this row says since when it no longer holds."""

    consent = models.OneToOneField(
        Consent, verbose_name=_("consent"), on_delete=models.PROTECT, related_name="withdrawal"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent withdrawal")
        verbose_name_plural = _("consent withdrawals")
        ordering = ["-withdrawn_at"]

    def __str__(self) -> str:
        return f"{self.consent} — {self.withdrawn_at:%d.%m.%Y %H:%M}"


class DataRequest(models.Model):
    """A user's request to delete their personal data; staff execute it in /admin/ (an act goes to the audit)."""

    class Status(models.TextChoices):
        NEW = "new", _("Received, awaiting execution")
        DONE = "done", _("Data deleted")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True, related_name="data_requests"
    )
    # Who asked, as shown to staff; blanked when the request is executed.
    requester = models.CharField(_("requester"), max_length=255, blank=True)
    reason = models.TextField(_("comment of the user"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("executed by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    act = models.TextField(_("act"), blank=True)

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data deletion requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Deletion request No. %(pk)s") % {"pk": self.pk}


class UserSession(models.Model):
    """One signed-in session of a user, for the list of devices in «Профиль». The key is kept so that
    «Завершить» ends the session through the SessionStore whatever the session backend (DB, cache or
    cached_db); it is as secret as the session table itself, and never shown."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=400, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Written at most once a minute, together with the idle timeout's last activity.
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} · {self.ip or '—'}"


class Passkey(models.Model):
    """A WebAuthn credential (passkey) of a user: signs in without the password, or serves as the second factor.

    Only the public key is kept; the sign count lets a cloned authenticator be noticed.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=64)
    credential_id = models.BinaryField(_("credential id"), max_length=1023, unique=True)
    public_key = models.BinaryField(_("public key"))
    sign_count = models.PositiveBigIntegerField(_("sign count"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
