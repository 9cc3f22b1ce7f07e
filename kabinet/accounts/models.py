from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from kabinet.core.phones import format_phone, normalize_phone


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

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[1] if " " in self.full_name else self.full_name

    @property
    def phone_display(self) -> str:
        return format_phone(str(self.phone))
