"""Employees and access (§8.2): every rule enforced here, on the server, whatever the page shows."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kabinet.accounts.models import User
from kabinet.audit.services import audit_record
from kabinet.organizations.models import Membership


class EmployeeError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _lock_admins(org) -> list[Membership]:
    return list(
        Membership.objects.select_for_update().filter(
            organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
        )
    )


def _is_last_admin(org, membership: Membership) -> bool:
    admins = _lock_admins(org)
    return (
        membership.role == Membership.Role.ADMIN
        and membership.status == Membership.Status.ACTIVE
        and all(a.pk == membership.pk for a in admins)
    )


def _snapshot(m: Membership) -> dict:
    return {"user": str(m.user), "phone": str(m.user.phone), "role": m.role, "status": m.status}


def invitation_link(user: User, base_url: str) -> str:
    path = reverse(
        "organizations:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def employee_add(
    *, org, actor, phone: str, full_name: str, email: str, role: str, base_url: str, request=None
) -> Membership:
    """Add an employee: an existing user of the portal is linked; a new one is invited to set a password."""
    from kabinet.accounts.services import email_later, sms_notify

    with transaction.atomic():
        user = User.objects.filter(phone=phone).first()
        invited = user is None
        if invited:
            user = User(phone=phone, full_name=full_name, email=email)
            user.set_unusable_password()
            user.save()
        membership = Membership.objects.filter(user=user, organization=org).first()
        if membership is not None and membership.status == Membership.Status.ACTIVE:
            raise EmployeeError(_("This person is already an employee of the organization."), field="phone")
        if membership is None:
            membership = Membership.objects.create(
                user=user, organization=org, role=role, status=Membership.Status.ACTIVE
            )
        else:
            membership.role, membership.status = role, Membership.Status.ACTIVE
            membership.save(update_fields=["role", "status", "updated_at"])
        audit_record(
            action="employee_added",
            organization=org,
            actor=actor,
            obj=membership,
            after=_snapshot(membership),
            request=request,
        )
        if invited:
            link = invitation_link(user, base_url)
            sms_notify(
                phone=phone,
                text=_("Kabinet: you are invited to %(org)s. Set a password: %(link)s")
                % {"org": org.name, "link": link},
            )
            email_later(to=email, template="invitation", context={"user": user, "organization": org, "link": link})
        else:
            email_later(to=user.email, template="access_granted", context={"user": user, "organization": org})
    return membership


def _locked(org, membership_id: int) -> Membership:
    return Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=org)


def _change(*, org, actor, membership_id: int, field: str, value: str, action: str, check, request) -> Membership:
    """Lock the membership, apply the rules (`check` raises EmployeeError), save one field, audit it."""
    with transaction.atomic():
        membership = _locked(org, membership_id)
        check(membership)
        before = _snapshot(membership)
        setattr(membership, field, value)
        membership.save(update_fields=[field, "updated_at"])
        audit_record(
            action=action,
            organization=org,
            actor=actor,
            obj=membership,
            before=before,
            after=_snapshot(membership),
            request=request,
        )
    return membership


def employee_change_role(*, org, actor, membership_id: int, role: str, request=None) -> Membership:
    def check(membership):
        if membership.user_id == actor.pk:
            raise EmployeeError(_("You cannot change your own role."))
        if role != Membership.Role.ADMIN and _is_last_admin(org, membership):
            raise EmployeeError(_("The organization must keep at least one active administrator."))

    return _change(
        org=org,
        actor=actor,
        membership_id=membership_id,
        field="role",
        value=role,
        action="employee_role_changed",
        check=check,
        request=request,
    )


def employee_set_status(*, org, actor, membership_id: int, status: str, request=None) -> Membership:
    """Activate (e.g. accept a «Запрос на добавление») or deactivate an employee."""

    def check(membership):
        if membership.user_id == actor.pk and status != Membership.Status.ACTIVE:
            raise EmployeeError(_("You cannot switch off your own access."))
        if status != Membership.Status.ACTIVE and _is_last_admin(org, membership):
            raise EmployeeError(_("The organization must keep at least one active administrator."))

    return _change(
        org=org,
        actor=actor,
        membership_id=membership_id,
        field="status",
        value=status,
        action="employee_status_changed",
        check=check,
        request=request,
    )


def employee_remove(*, org, actor, membership_id: int, request=None) -> None:
    with transaction.atomic():
        membership = _locked(org, membership_id)
        if membership.user_id == actor.pk:
            raise EmployeeError(_("You cannot remove yourself."))
        if _is_last_admin(org, membership):
            raise EmployeeError(_("The organization must keep at least one active administrator."))
        audit_record(
            action="employee_removed",
            organization=org,
            actor=actor,
            obj=membership,
            before=_snapshot(membership),
            request=request,
        )
        membership.delete()
