"""Onboarding: registration, «Добавить организацию» (a request to join a company) and the decisions on
them — the company's administrator first when it has one, then the lessor's staff (the admin, the API).

The models stay in the accounts app (Registration, the consents, the phone codes); this floor sits above
organizations and notifications and is the one that ties a new user to a company.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.models import PhoneChallenge, Registration, User
from kabinet.accounts.services import (
    ServiceError,
    challenge_issue,
    challenge_verify,
    consents_record,
    current_consent_documents,
    sms_notify,
)
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record, record_event
from kabinet.core.net import Origin
from kabinet.messaging.email import email_later
from kabinet.notifications.models import Notification
from kabinet.notifications.services import administrators_notify, wants_email
from kabinet.organizations.lookup import CompanyInfo
from kabinet.organizations.models import Membership, Organization

__all__ = ["ServiceError"]  # the callers of these services catch the accounts app's error


@dataclass(frozen=True)
class RegistrationInput:
    full_name: str
    phone: str
    email: str
    password: str


def registration_start(*, data: RegistrationInput, company: CompanyInfo, origin: Origin) -> Registration:
    """Keep the request (password hashed), record the consents shown, and send the SMS code."""
    if User.objects.filter(phone=data.phone).exists():
        raise ServiceError(
            _("This phone number is already registered. Sign in and add the organization in the settings."),
            field="phone",
        )
    documents = list(current_consent_documents().values())
    with transaction.atomic():
        registration = Registration.objects.create(
            kind=Registration.Kind.SIGN_UP,
            inn=company.inn,
            company_name=company.name,
            company_data=company.as_dict(),
            full_name=data.full_name,
            phone=data.phone,
            email=data.email,
            password=make_password(data.password),
            ip=origin.ip,
            user_agent=origin.user_agent,
        )
        consents_record(documents=documents, phone=data.phone, origin=origin, registration=registration)
        challenge_issue(
            phone=data.phone, purpose=PhoneChallenge.Purpose.REGISTRATION, origin=origin, registration=registration
        )
        audit_record(action="registration_started", obj=registration, after={"inn": company.inn}, origin=origin)
    return registration


def registration_resend(*, registration: Registration, origin: Origin) -> PhoneChallenge:
    if registration.status != Registration.Status.PHONE_PENDING:
        raise ServiceError(_("The phone is already confirmed."))
    with transaction.atomic():
        return challenge_issue(
            phone=str(registration.phone),
            purpose=PhoneChallenge.Purpose.REGISTRATION,
            origin=origin,
            registration=registration,
        )


def _organization_for(company_data: dict) -> Organization:
    org = Organization.objects.select_for_update().filter(inn=company_data["inn"]).first()
    if org is not None:
        return org
    return Organization.objects.create(
        inn=company_data["inn"],
        name=company_data.get("name", "")[:255],
        full_name=company_data.get("full_name", "")[:500],
        kpp=company_data.get("kpp", ""),
        ogrn=company_data.get("ogrn", ""),
        director=company_data.get("director", "")[:255],
        legal_address=company_data.get("legal_address", "")[:500],
        okved_code=company_data.get("okved_code", ""),
        okved_name=company_data.get("okved_name", "")[:500],
        status=Organization.Status.PENDING,
    )


def registration_confirm(*, registration_id: int, code: str, origin: Origin) -> User:
    """The phone is confirmed: the user, the (pending) organization and the requested membership appear."""
    registration = Registration.objects.get(pk=registration_id)
    if registration.status != Registration.Status.PHONE_PENDING:
        raise ServiceError(_("The phone is already confirmed."), field="code")
    challenge = (
        PhoneChallenge.objects.filter(registration=registration, confirmed_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        raise ServiceError(_("Request a new code."), field="code")
    challenge_verify(challenge_id=challenge.pk, code=code, origin=origin)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status != Registration.Status.PHONE_PENDING:
            raise ServiceError(_("The phone is already confirmed."), field="code")
        if User.objects.filter(phone=registration.phone).exists():
            raise ServiceError(_("This phone number is already registered."), field="code")
        user = User(phone=registration.phone, email=registration.email, full_name=registration.full_name)
        user.password = registration.password
        user.save()
        org = _organization_for(registration.company_data)
        Membership.objects.get_or_create(
            user=user,
            organization=org,
            defaults={"role": Membership.Role.MANAGER, "status": Membership.Status.REQUESTED},
        )
        registration.user = user
        registration.organization = org
        registration.password = ""
        registration.status = _first_decider(org)
        registration.phone_confirmed_at = timezone.now()
        registration.save(update_fields=["user", "organization", "password", "status", "phone_confirmed_at"])
        record_event(
            action="registration_confirmed",
            organization=org,
            actor=user,
            obj=registration,
            origin=origin,
            **_join_request_sent(registration, org, user),
        )
    return user


def _first_decider(org: Organization) -> str:
    """A company that already has administrators decides who joins it first; otherwise the lessor's staff."""
    has_admins = Membership.objects.filter(
        organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).exists()
    return Registration.Status.AWAITING_ORG_ADMIN if has_admins else Registration.Status.AWAITING_APPROVAL


def _join_request_sent(registration: Registration, org: Organization, user: User) -> dict:
    """Tell whoever decides first: the company's administrators (e-mail; the request waits in
    «Сотрудники»), or the lessor's staff (the integration event the back office and the accounting
    system read: returned as `record_event` arguments)."""
    if registration.status == Registration.Status.AWAITING_ORG_ADMIN:
        join_request_tell_administrators(org=org, user=user)
        return {}
    return {
        "event": "registration.awaiting",
        "payload": {
            "registration": registration.pk,
            "inn": org.inn,
            "company": registration.company_name,
            "full_name": user.full_name,
            "phone": str(user.phone),
        },
    }


def join_request_tell_administrators(*, org: Organization, user: User) -> None:
    """A «Запрос на добавление» waits for the company's administrators: each sees it in «Уведомления»,
    linking to «Сотрудники» where they approve or decline it, and gets an e-mail unless they turned
    this type off in the notification settings."""
    admins = Membership.objects.filter(
        organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).select_related("user")
    for admin in admins:
        if wants_email(admin.user, Notification.Kind.JOIN_REQUEST):
            email_later(
                to=admin.user.email,
                template="join_requested",
                context={"user": admin.user, "organization": org, "full_name": user.full_name},
            )
    administrators_notify(
        org=org,
        kind=Notification.Kind.JOIN_REQUEST,
        title=_("%(name)s asks to join %(org)s") % {"name": user.full_name or user.phone_display, "org": org.name},
        body=_("Approve or decline the request in Settings → Employees."),
        link=reverse("organizations:settings") + "#employees",
    )


def organization_request(*, user: User, company: CompanyInfo, origin: Origin) -> Registration:
    """«Добавить организацию»: link another company; it waits for staff approval like a registration."""
    with transaction.atomic():
        org = _organization_for(company.as_dict())
        membership = Membership.objects.filter(user=user, organization=org).first()
        if membership and membership.status == Membership.Status.ACTIVE:
            raise ServiceError(_("You already have access to this organization."), field="company")
        if Registration.objects.filter(
            user=user,
            organization=org,
            status__in=[Registration.Status.AWAITING_APPROVAL, Registration.Status.AWAITING_ORG_ADMIN],
        ).exists():
            raise ServiceError(_("A request for this organization is already waiting for approval."), field="company")
        if membership is None:
            Membership.objects.create(
                user=user, organization=org, role=Membership.Role.MANAGER, status=Membership.Status.REQUESTED
            )
        registration = Registration.objects.create(
            kind=Registration.Kind.ADD_ORGANIZATION,
            status=_first_decider(org),
            user=user,
            organization=org,
            inn=company.inn,
            company_name=company.name,
            company_data=company.as_dict(),
            full_name=user.full_name,
            phone=user.phone,
            email=user.email,
            ip=origin.ip,
            user_agent=origin.user_agent,
            phone_confirmed_at=timezone.now(),
        )
        record_event(
            action="organization_requested",
            organization=org,
            actor=user,
            obj=registration,
            origin=origin,
            **_join_request_sent(registration, org, user),
        )
    return registration


def registration_approve(
    *,
    registration_id: int,
    staff: User | None,
    origin: Origin | None = None,
    actor_kind: str = AuditEvent.ActorKind.STAFF,
) -> Registration:
    """Staff approve: the organization becomes active; the first user becomes its Administrator, a later
    one waits as «Запрос на добавление» for the organization's Administrator to accept."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",)).select_related("user").get(pk=registration_id)
        )
        if registration.status != Registration.Status.AWAITING_APPROVAL:
            raise ServiceError(_("Only a request awaiting approval can be approved."))
        # A request awaiting approval has its account and organization (registration_confirm made them).
        assert registration.user is not None and registration.organization_id is not None
        org = Organization.objects.select_for_update().get(pk=registration.organization_id)
        membership = Membership.objects.select_for_update().get(user=registration.user, organization=org)
        had_users = org.memberships.filter(status=Membership.Status.ACTIVE).exclude(pk=membership.pk).exists()
        before = {"organization": org.status, "membership": membership.status, "role": membership.role}
        if org.status != Organization.Status.ACTIVE:
            org.status = Organization.Status.ACTIVE
            org.save(update_fields=["status", "updated_at"])
        if registration.org_admin_approved_by_id:
            membership.status = Membership.Status.ACTIVE  # the company's administrator approved it first
        elif had_users:
            membership.status = Membership.Status.REQUESTED
        else:
            membership.status = Membership.Status.ACTIVE
            membership.role = Membership.Role.ADMIN
        membership.save(update_fields=["status", "role", "updated_at"])
        registration.status = Registration.Status.APPROVED
        registration.decided_by = staff
        registration.decided_at = timezone.now()
        registration.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            action="registration_approved",
            organization=org,
            actor=staff,
            actor_kind=actor_kind,
            obj=registration,
            before=before,
            after={"organization": org.status, "membership": membership.status, "role": membership.role},
            origin=origin,
        )
        user = registration.user
        waits_for_admin = membership.status == Membership.Status.REQUESTED
        if waits_for_admin:
            join_request_tell_administrators(org=org, user=user)
        context = {"user": user, "organization": org, "waits_for_admin": waits_for_admin}
        if waits_for_admin:
            text = _("Kabinet: the request for %(org)s is approved and waits for its administrator.") % {
                "org": org.name
            }
        else:
            text = _("Kabinet: access to %(org)s is open. Sign in with your phone and password.") % {"org": org.name}
        sms_notify(phone=str(user.phone), text=text)
        email_later(to=user.email, template="registration_approved", context=context)
    return registration


def registration_reject(
    *,
    registration_id: int,
    staff: User | None,
    reason: str,
    origin: Origin | None = None,
    actor_kind: str = AuditEvent.ActorKind.STAFF,
) -> Registration:
    if not reason.strip():
        raise ServiceError(_("Give the reason: the client will read it."), field="reason")
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .get(pk=registration_id)
        )
        if registration.status != Registration.Status.AWAITING_APPROVAL:
            raise ServiceError(_("Only a request awaiting approval can be rejected."))
        Membership.objects.filter(
            user=registration.user, organization=registration.organization, status=Membership.Status.REQUESTED
        ).update(status=Membership.Status.INACTIVE, updated_at=timezone.now())
        registration.status = Registration.Status.REJECTED
        registration.rejection_reason = reason.strip()
        registration.decided_by = staff
        registration.decided_at = timezone.now()
        registration.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        audit_record(
            action="registration_rejected",
            organization=registration.organization,
            actor=staff,
            actor_kind=actor_kind,
            obj=registration,
            after={"reason": registration.rejection_reason},
            origin=origin,
        )
        user = registration.user
        assert user is not None  # a request is sent from an account
        sms_notify(
            phone=str(user.phone),
            text=_("Kabinet: the request for %(org)s is declined. The reason is in your e-mail and in the portal.")
            % {"org": registration.company_name},
        )
        email_later(to=user.email, template="registration_rejected", context={"registration": registration})
    return registration
