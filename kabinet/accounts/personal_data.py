"""Personal data under 152-FZ: what a user agreed to, withdrawing a consent, a copy of their data
(JSON and PDF), and deletion on request, executed by staff with an act in the audit. A person's own rows
are read across every organization (`.unscoped()`): they are scoped by the person."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

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
from kabinet.accounts.services import email_later
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.core.phones import format_phone


class PersonalDataError(Exception):
    pass


@dataclass(frozen=True)
class Section:
    """What an app above accounts keeps about a person (the requests they filed, the support messages
    they wrote), contributed from its AppConfig.ready() with `register()`, so this module imports no
    app above it. `export` gives the section's rows for the copy of the data; `erase`, if given,
    removes the person's contact data from those rows and returns how many rows it changed."""

    key: str
    export: Callable[[User], list[dict[str, Any]]]
    erase: Callable[[User], int] | None = None


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.key] = section


def consents_of(user: User) -> list[Consent]:
    """Every consent the user gave (at registration or later), newest first, with its withdrawal."""
    return list(
        Consent.objects.filter(Q(user=user) | Q(registration__user=user))
        .select_related("document", "withdrawal")
        .order_by("-accepted_at", "-id")
    )


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


def when(value) -> str:
    """A moment as the copy of the data shows it (local time, «28.11.2026 09:15»)."""
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def personal_data(user: User) -> dict[str, Any]:
    """Everything the portal keeps about the person (not about their organizations), readable by a human."""
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    return {
        "generated_at": when(timezone.now()),
        "profile": {
            "full_name": user.full_name,
            "phone": format_phone(str(user.phone)),
            "email": user.email,
            "registered_at": when(user.date_joined),
            "last_sign_in": when(user.last_login),
            "notifications_by_email": list(user.email_notification_kinds or []),
        },
        "organizations": [
            {
                "organization": m.organization.name,
                "inn": m.organization.inn,
                "role": m.get_role_display(),
                "status": m.get_status_display(),
            }
            for m in memberships
        ],
        "consents": [
            {
                "document": c.document.title,
                "version": c.version,
                "accepted_at": when(c.accepted_at),
                "ip": c.ip or "",
                "withdrawn_at": when(c.withdrawal.withdrawn_at) if hasattr(c, "withdrawal") else "",
            }
            for c in consents_of(user)
        ],
        "registrations": [
            {
                "company": r.company_name,
                "inn": r.inn,
                "full_name": r.full_name,
                "phone": format_phone(str(r.phone)),
                "email": r.email,
                "status": r.get_status_display(),
                "created_at": when(r.created_at),
                "ip": r.ip or "",
            }
            for r in Registration.objects.filter(user=user).order_by("created_at")
        ],
        **{key: section.export(user) for key, section in _SECTIONS.items()},
        "sign_ins_and_actions": [
            {"action": e.action, "at": when(e.created_at), "ip": e.ip or ""}
            for e in AuditEvent.objects.unscoped().filter(actor=user).order_by("-created_at")[:500]
        ],
    }


def personal_data_json(user: User) -> bytes:
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2).encode("utf-8")


def personal_data_pdf(user: User) -> bytes:
    from weasyprint import HTML  # reason: a heavy import (~1 s), paid only by the PDF export

    html = render_to_string("accounts/personal_data_pdf.html", {"data": personal_data(user), "person": user})
    return HTML(string=html).write_pdf()


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
            **{key: section.erase(user) for key, section in _SECTIONS.items() if section.erase is not None},
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
