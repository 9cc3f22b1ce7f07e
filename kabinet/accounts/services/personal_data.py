"""Personal data under 152-FZ: withdrawing a consent, and deletion on request, executed by staff with an
act in the audit. The copy of the data is `kabinet.accounts.exports`."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts import exports
from kabinet.accounts.models import (
    Consent,
    ConsentWithdrawal,
    DataRequest,
    PhoneChallenge,
    Registration,
    SignInFailure,
    SmsMessage,
    User,
)
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.core.phones import format_phone
from kabinet.messaging.email import email_later


class PersonalDataError(Exception):
    pass


def consent_withdraw(*, user: User, consent_id: int, origin: Origin | None = None) -> ConsentWithdrawal:
    """Withdraw one of the user's consents. Until they agree again the portal asks for the consent
    before anything else (the data page stays open to them)."""
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update(of=("self",))
            .filter(Q(user=user) | Q(registration__user=user))
            .filter(pk=consent_id)
            .first()
        )
        if consent is None:
            raise PersonalDataError(_("There is no such consent."))
        if ConsentWithdrawal.objects.filter(consent=consent).exists():
            raise PersonalDataError(_("This consent is already withdrawn."))
        withdrawal = ConsentWithdrawal.objects.create(
            consent=consent,
            ip=origin.ip if origin is not None else None,
            user_agent=origin.user_agent if origin is not None else "",
        )
        audit_record(
            action="consent_withdrawn",
            actor=user,
            actor_kind=AuditEvent.ActorKind.USER,
            obj=consent,
            after={"kind": consent.kind, "version": consent.version},
            origin=origin,
        )
    return withdrawal


def deletion_request(*, user: User, reason: str = "", origin: Origin | None = None) -> DataRequest:
    if DataRequest.objects.filter(user=user, status=DataRequest.Status.NEW).exists():
        raise PersonalDataError(_("Your deletion request is already with us."))
    with transaction.atomic():
        data_request = DataRequest.objects.create(
            user=user, requester=f"{user.full_name} {format_phone(str(user.phone))}".strip(), reason=reason.strip()
        )
        audit_record(
            action="personal_data_deletion_requested",
            actor=user,
            actor_kind=AuditEvent.ActorKind.USER,
            obj=data_request,
            origin=origin,
        )
    return data_request


def deletion_execute(*, data_request_id: int, staff: User, origin: Origin | None = None) -> DataRequest:
    """Erase the person: the account can no longer sign in, their name, phone and e-mail are gone from the
    account, their registrations, requests and codes; their sessions end. What the law makes us keep
    (the organizations' contracts and documents, and the record that consent was given) stays, without
    the person's contact data. The act goes to the audit."""
    with transaction.atomic():
        data_request = DataRequest.objects.select_for_update().get(pk=data_request_id)
        if data_request.status != DataRequest.Status.NEW:
            raise PersonalDataError(_("The request is already decided."))
        user = data_request.user
        if user is None:
            raise PersonalDataError(_("The account no longer exists."))
        user = User.objects.select_for_update().get(pk=user.pk)
        phone = str(user.phone)
        # The last letter to the address, queued before the address is erased.
        email_later(
            to=user.email,
            template="personal_data_erased",
            context={"name": user.full_name, "number": data_request.pk},
        )
        counts = {
            "registrations": Registration.objects.filter(user=user).update(
                full_name="", email="", ip=None, user_agent=""
            ),
            **{section.key: section.erase(user) for section in exports.sections() if section.erase is not None},
            "sms_codes": PhoneChallenge.objects.filter(Q(user=user) | Q(phone=phone)).delete()[0],
            "sms": SmsMessage.objects.filter(phone=phone).delete()[0],
            "sign_in_failures": SignInFailure.objects.filter(phone_key=phone).delete()[0],
            "memberships": user.memberships.all().delete()[0],
            "consent_contacts": Consent.objects.filter(Q(user=user) | Q(registration__user=user)).update(
                phone="", ip=None, user_agent=""
            ),
        }
        user.full_name = ""
        user.email = ""
        # The phone is the login and unique: a placeholder outside any numbering plan frees the real one.
        user.phone = f"+000{user.pk:012d}"
        user.is_active = False
        user.is_staff = False
        user.email_notification_kinds = []
        user.set_unusable_password()
        user.save()
        sessions = _end_sessions(user)
        # "label — number" lines: no word forms to agree with the numbers.
        act = "\n".join(
            [
                _("Personal data of account No. %(pk)s deleted at the user's request No. %(request)s.")
                % {"pk": user.pk, "request": data_request.pk},
                _("Erased from the account: full name, phone, e-mail, password."),
                _(
                    "Contact data removed from: registrations — %(registrations)d, requests — %(requests)d, "
                    "consent records — %(consents)d."
                )
                % {
                    "registrations": counts["registrations"],
                    "requests": counts.get("requests", 0),
                    "consents": counts["consent_contacts"],
                },
                _(
                    "Deleted: SMS codes — %(codes)d, SMS — %(sms)d, memberships — %(memberships)d, "
                    "sessions — %(sessions)d."
                )
                % {
                    "codes": counts["sms_codes"],
                    "sms": counts["sms"],
                    "memberships": counts["memberships"],
                    "sessions": sessions,
                },
                _(
                    "Kept as the law requires: the organizations' contracts and documents and the fact of the "
                    "consents given (without contact data)."
                ),
            ]
        )
        data_request.status = DataRequest.Status.DONE
        data_request.decided_by = staff
        data_request.decided_at = timezone.now()
        data_request.act = act
        data_request.requester = ""
        data_request.save()
        audit_record(
            action="personal_data_erased",
            actor=staff,
            actor_kind=AuditEvent.ActorKind.STAFF,
            obj=data_request,
            after={"act": act, **counts, "sessions": sessions},
            origin=origin,
        )
    return data_request


def _end_sessions(user: User) -> int:
    """Sessions in the database are deleted; cached sessions end anyway (the password hash changed)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
