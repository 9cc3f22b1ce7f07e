"""Employees and access (§8.2): invitations, roles, statuses, join requests — every rule enforced here, on
the server, whatever the page shows."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from kabinet.accounts.models import PhoneChallenge, Registration, User
from kabinet.accounts.services import (
    ServiceError,
    challenge_issue,
    challenge_verify,
    consents_record,
    current_consent_documents,
    sms_notify,
)
from kabinet.audit.services import audit_record, record_event
from kabinet.core.links import absolute_url
from kabinet.core.net import Origin
from kabinet.messaging.email import email_later
from kabinet.organizations.models import Invitation, Membership
from kabinet.organizations.selectors import invitation_by_token, invitation_token_hash


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


def invitation_link(token: str) -> str:
    return absolute_url("organizations:invitation", token=token)


def employee_add(
    *, org, actor, phone: str, full_name: str, email: str, role: str, origin: Origin | None = None
) -> Invitation:
    """«Добавить сотрудника»: send an invitation to the phone. Nobody is linked and nothing about the
    person is revealed: the answer is the same whether the phone has an account or not. An existing user
    accepts in the portal; a new one through the link, with the SMS code sent to that phone."""
    _check_choice(Membership, "role", role)
    with transaction.atomic():
        user = User.objects.filter(phone=phone).first()
        if (
            user is not None
            and Membership.objects.filter(user=user, organization=org, status=Membership.Status.ACTIVE).exists()
        ):
            raise EmployeeError(_("This person is already an employee of the organization."), field="phone")
        if Invitation.objects.filter(
            organization=org, phone=phone, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
        ).exists():
            raise EmployeeError(_("An invitation to this phone has already been sent."), field="phone")
        if _invitation_sms_limited(origin, org, str(phone)):
            raise EmployeeError(
                _("Too many invitations to this phone in the last hour. Try again later."), field="phone"
            )
        # An expired one is closed, so the new one is the only pending invitation to the phone.
        Invitation.objects.filter(organization=org, phone=phone, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.REVOKED, decided_at=timezone.now()
        )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            organization=org,
            phone=phone,
            full_name=full_name,
            email=email,
            role=role,
            invited_by=actor,
            token_hash=invitation_token_hash(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        audit_record(
            action="employee_invited",
            organization=org,
            actor=actor,
            obj=invitation,
            after={"phone": str(invitation.phone), "full_name": full_name, "role": role},
            origin=origin,
        )
        _send_invitation(invitation, token=token, user=user)
    return invitation


def _accept(invitation: Invitation, user, origin: Origin | None) -> Membership:
    membership = Membership.objects.select_for_update().filter(user=user, organization=invitation.organization).first()
    before = _snapshot(membership) if membership else {}
    if membership is None:
        membership = Membership.objects.create(
            user=user, organization=invitation.organization, role=invitation.role, status=Membership.Status.ACTIVE
        )
    else:
        membership.role, membership.status = invitation.role, Membership.Status.ACTIVE
        membership.save(update_fields=["role", "status", "updated_at"])
    invitation.status, invitation.user, invitation.decided_at = Invitation.Status.ACCEPTED, user, timezone.now()
    invitation.save(update_fields=["status", "user", "decided_at", "updated_at"])
    audit_record(
        action="invitation_accepted",
        organization=invitation.organization,
        actor=user,
        obj=membership,
        before=before,
        after=_snapshot(membership),
        origin=origin,
    )
    return membership


def invitation_accept(*, user, invitation_id: int, origin: Origin | None = None) -> Membership:
    """A signed-in person accepts an invitation to their own phone. The selected organization stays."""
    with transaction.atomic():
        invitation = _locked_invitation_for(user, invitation_id)
        return _accept(invitation, user, origin)


def invitation_decline(*, user, invitation_id: int, origin: Origin | None = None) -> Invitation:
    with transaction.atomic():
        invitation = _locked_invitation_for(user, invitation_id)
        invitation.status, invitation.decided_at = Invitation.Status.DECLINED, timezone.now()
        invitation.save(update_fields=["status", "decided_at", "updated_at"])
        _audit(invitation, "invitation_declined", actor=user, origin=origin)
    return invitation


def _locked_invitation_for(user, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, phone=user.phone, status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise Invitation.DoesNotExist
    return invitation


def _locked_pending(org, invitation_id: int) -> Invitation:
    """The organization's pending invitation, locked (expired ones too: they can still be revoked or resent)."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=invitation_id, organization=org, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise Invitation.DoesNotExist
    return invitation


def _audit(invitation: Invitation, action: str, *, actor, origin: Origin | None) -> None:
    """An invitation's decision in the organization's «История изменений» (the phone, nothing else)."""
    audit_record(
        action=action,
        organization=invitation.organization,
        actor=actor,
        obj=invitation,
        after={"phone": str(invitation.phone)},
        origin=origin,
    )


def invitation_revoke(*, org, actor, invitation_id: int, origin: Origin | None = None) -> Invitation:
    with transaction.atomic():
        invitation = _locked_pending(org, invitation_id)
        invitation.status, invitation.decided_at = Invitation.Status.REVOKED, timezone.now()
        invitation.save(update_fields=["status", "decided_at", "updated_at"])
        _audit(invitation, "invitation_revoked", actor=actor, origin=origin)
    return invitation


def _send_invitation(invitation: Invitation, *, token: str, user) -> None:
    """The SMS and e-mail of an invitation: an existing user at their own address and to the portal; a new
    phone gets the link (with the token) by SMS and at the address the inviter typed."""
    org, phone = invitation.organization, str(invitation.phone)
    if user is not None:
        # The person's own address, never the one the inviter typed.
        sms_notify(
            phone=phone,
            text=_("Kabinet: an invitation to %(org)s. Sign in to accept or decline it.") % {"org": org.name},
        )
        email_later(
            to=user.email,
            template="invitation",
            context={
                "user": user,
                "organization": org,
                "link": absolute_url("organizations:invitations"),
            },
        )
        return
    link = invitation_link(token)
    sms_notify(
        phone=phone,
        text=_("Kabinet: an invitation to %(org)s. Accept it: %(link)s") % {"org": org.name, "link": link},
    )
    email_later(to=invitation.email, template="invitation", context={"user": None, "organization": org, "link": link})


class ResendTooSoon(EmployeeError):
    pass


def _invitation_sms_limited(origin, org, phone: str) -> bool:
    """Invitation SMS to one phone from one organization: the first one and INVITATION_RESEND_LIMIT more
    an hour, whether sent again or revoked and invited anew (counted by django-ratelimit in the cache)."""
    if origin is None:
        return False  # not from a client (a script, the shell)

    return is_ratelimited(
        None,  # the key names the organization and the phone; no request is read
        group="kabinet.invitation-sms",
        key=lambda group, req: f"{org.pk}:{phone}",
        rate=(settings.INVITATION_RESEND_LIMIT + 1, 3600),
        increment=True,
    )


def invitation_resend(*, org, actor, invitation_id: int, origin: Origin | None = None) -> Invitation:
    """«Отправить приглашение повторно»: a new link (the old one stops working at once), the validity
    starts again, the SMS and e-mail go out again. Limited per invitation (INVITATION_RESEND_LIMIT an hour,
    counted by django-ratelimit), so nobody can flood a phone with SMS through it."""
    with transaction.atomic():
        invitation = _locked_pending(org, invitation_id)
        if _invitation_sms_limited(origin, org, str(invitation.phone)):
            raise ResendTooSoon(_("The invitation has just been sent again. Try again in an hour."))
        token = secrets.token_urlsafe(32)
        invitation.token_hash = invitation_token_hash(token)
        invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
        invitation.save(update_fields=["token_hash", "expires_at", "updated_at"])
        _audit(invitation, "invitation_resent", actor=actor, origin=origin)
        user = User.objects.filter(phone=invitation.phone).first()
        _send_invitation(invitation, token=token, user=user)
    return invitation


def invitation_send_code(*, invitation: Invitation, origin: Origin | None = None) -> PhoneChallenge:
    """A new person's acceptance needs the code sent to the invited phone (the registration code rules)."""
    with transaction.atomic():
        return challenge_issue(phone=str(invitation.phone), purpose=PhoneChallenge.Purpose.INVITATION, origin=origin)


def invitation_accept_new(
    *, token: str, challenge_id: int, code: str, full_name: str, email: str, password: str, origin: Origin | None = None
) -> User:
    """A new person accepts through the link: the code proves the phone is theirs; then the account and
    the membership appear together."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise EmployeeError(_("The invitation is no longer valid."))
    challenge = PhoneChallenge.objects.filter(
        pk=challenge_id, phone=invitation.phone, purpose=PhoneChallenge.Purpose.INVITATION
    ).first()
    if challenge is None:
        raise EmployeeError(_("Request a code first."), field="code")
    try:
        challenge_verify(challenge_id=challenge.pk, code=code, origin=origin)
    except ServiceError as exc:
        raise EmployeeError(exc.message, field="code") from exc
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise EmployeeError(_("The invitation is no longer valid."))
        if User.objects.filter(phone=invitation.phone).exists():
            raise EmployeeError(_("This phone already has an account: sign in to accept the invitation."))
        user = User(phone=invitation.phone, full_name=full_name, email=email)
        user.set_password(password)
        user.save()
        consents_record(
            documents=list(current_consent_documents().values()),
            phone=str(user.phone),
            origin=origin or Origin(),
            user=user,
        )
        _accept(invitation, user, origin)
    return user


def _locked(org, membership_id: int) -> Membership:
    return Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=org)


def _check_choice(model, field: str, value: str) -> None:
    """A role or status the portal does not know is refused (forms offer only known ones; this guards callers
    such as the shell or a future API from writing a value the history and the screens cannot name)."""
    if value not in {choice for choice, _label in model._meta.get_field(field).choices}:
        raise EmployeeError(
            _("Select a valid choice. %(value)s is not one of the available choices.") % {"value": value}, field=field
        )


def _change(
    *,
    org,
    actor,
    membership_id: int,
    field: str,
    value: str,
    action: str,
    own_error: str | None,
    keeps_admin: bool,
    origin: Origin | None,
) -> Membership:
    """Lock the membership, apply the two rules, save one field, audit it. The rules: a change of one's
    own membership is refused with `own_error` (None: allowed), and a change that does not keep the
    person an active admin is refused when they are the organization's last one."""
    _check_choice(Membership, field, value)
    with transaction.atomic():
        membership = _locked(org, membership_id)
        if own_error is not None and membership.user_id == actor.pk:
            raise EmployeeError(own_error)
        if not keeps_admin and _is_last_admin(org, membership):
            raise EmployeeError(_("The organization must keep at least one active administrator."))
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
            origin=origin,
        )
    return membership


def employee_change_role(*, org, actor, membership_id: int, role: str, origin: Origin | None = None) -> Membership:
    return _change(
        org=org,
        actor=actor,
        membership_id=membership_id,
        field="role",
        value=role,
        action="employee_role_changed",
        # Any change of one's own role is refused; only a demotion can leave the organization without an admin.
        own_error=_("You cannot change your own role."),
        keeps_admin=role == Membership.Role.ADMIN,
        origin=origin,
    )


def employee_set_status(*, org, actor, membership_id: int, status: str, origin: Origin | None = None) -> Membership:
    """Activate (e.g. accept a «Запрос на добавление») or deactivate an employee."""
    keeps_access = status == Membership.Status.ACTIVE
    return _change(
        org=org,
        actor=actor,
        membership_id=membership_id,
        field="status",
        value=status,
        action="employee_status_changed",
        # Activating oneself is harmless; switching one's own access off is refused.
        own_error=None if keeps_access else _("You cannot switch off your own access."),
        keeps_admin=keeps_access,
        origin=origin,
    )


def employee_remove(*, org, actor, membership_id: int, origin: Origin | None = None) -> None:
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
            origin=origin,
        )
        membership.delete()


def join_request_decide(
    *, org, actor, membership_id: int, approve: bool, origin: Origin | None = None
) -> Membership | None:
    """An administrator decides a «Запрос на добавление». Approved: the person becomes active, or — when
    the lessor requires it (JOIN_STAFF_APPROVAL) — the request goes on to the lessor's staff and the
    person stays «Запрос на добавление» until they approve. Declined: the request is closed and the
    person is removed from the list."""
    with transaction.atomic():
        membership = _locked(org, membership_id)
        if membership.status != Membership.Status.REQUESTED:
            raise EmployeeError(_("This request has already been decided."))
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .filter(user=membership.user, organization=org, status=Registration.Status.AWAITING_ORG_ADMIN)
            .order_by("-created_at")
            .first()
        )
        before = _snapshot(membership)
        now = timezone.now()
        if not approve:
            if registration is not None:
                registration.status = Registration.Status.REJECTED
                registration.rejection_reason = _("Declined by the organization's administrator.")
                registration.decided_at = now
                registration.save(update_fields=["status", "rejection_reason", "decided_at"])
            audit_record(
                action="join_request_declined",
                organization=org,
                actor=actor,
                obj=membership,
                before=before,
                origin=origin,
            )
            email_later(
                to=membership.user.email,
                template="join_declined",
                context={"user": membership.user, "organization": org},
            )
            membership.delete()
            return None
        if registration is not None and settings.JOIN_STAFF_APPROVAL:
            registration.status = Registration.Status.AWAITING_APPROVAL
            registration.org_admin_approved_by = actor
            registration.save(update_fields=["status", "org_admin_approved_by"])
            record_event(
                action="join_request_sent_to_staff",
                organization=org,
                actor=actor,
                obj=membership,
                before=before,
                after=before,
                origin=origin,
                event="registration.awaiting",
                payload={
                    "registration": registration.pk,
                    "inn": org.inn,
                    "company": registration.company_name,
                    "full_name": membership.user.full_name,
                    "phone": str(membership.user.phone),
                },
            )
            return membership
        membership.status = Membership.Status.ACTIVE
        membership.save(update_fields=["status", "updated_at"])
        if registration is not None:
            registration.status = Registration.Status.APPROVED
            registration.org_admin_approved_by = actor
            registration.decided_at = now
            registration.save(update_fields=["status", "org_admin_approved_by", "decided_at"])
        audit_record(
            action="join_request_approved",
            organization=org,
            actor=actor,
            obj=membership,
            before=before,
            after=_snapshot(membership),
            origin=origin,
        )
        email_later(
            to=membership.user.email, template="access_granted", context={"user": membership.user, "organization": org}
        )
    return membership
