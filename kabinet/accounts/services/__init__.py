"""Writes of the accounts app: SMS codes and their delivery, consents, sign-in throttling, password and
profile changes, withdrawing a consent and deletion of personal data on request. Registration and requests
to join a company are kabinet.onboarding's; the copy of a person's data is `exports.py`.

Nothing here logs or audits a password, a code or a token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.core.cache import caches
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from kabinet.accounts.models import (
    Consent,
    ConsentDocument,
    PhoneChallenge,
    Registration,
    SignInFailure,
    SmsMessage,
    User,
)
from kabinet.audit.services import audit_record
from kabinet.core.links import absolute_url
from kabinet.core.net import Origin
from kabinet.messaging.email import email_later, render_email
from kabinet.messaging.outbox import Channel, Outcome, deliver, enqueue_on_commit, requeue_stale
from kabinet.messaging.sms import SmsError, get_backend

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """A rule refused the action; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 0):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after


# ---------------------------------------------------------------------------------------------
# SMS codes


def _secret(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def challenge_code(challenge: PhoneChallenge) -> str:
    """The code of a challenge: uniformly random digits derived from its random salt and the server secret."""
    digest = hmac.new(_secret("sms-code"), challenge.salt.encode(), hashlib.sha256).digest()
    length = settings.SMS_CODE_LENGTH
    return str(int.from_bytes(digest[:8], "big") % 10**length).zfill(length)


def _code_hash(salt: str, code: str) -> str:
    return hmac.new(_secret("sms-code-check"), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def challenge_resend_wait(phone: str, purpose: str) -> int:
    """Seconds until a new code may be sent to this phone for this purpose (0 when it may)."""
    last = (
        PhoneChallenge.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").values("created_at").first()
    )
    if not last:
        return 0
    ready = last["created_at"] + timedelta(seconds=settings.SMS_RESEND_INTERVAL)
    return max(0, int((ready - timezone.now()).total_seconds() + 0.999))


def challenge_issue(
    *,
    phone: str,
    purpose: str,
    origin: Origin | None = None,
    user: User | None = None,
    registration: Registration | None = None,
) -> PhoneChallenge:
    """Create a code and queue its SMS, within the limits: one a minute, five a day a phone, and a cap an IP."""
    now = timezone.now()
    wait = challenge_resend_wait(phone, purpose)
    if wait:
        raise ServiceError(_("A new code can be sent in %(seconds)d s.") % {"seconds": wait}, retry_after=wait)
    day_count = PhoneChallenge.objects.filter(phone=phone, created_at__gte=now - timedelta(days=1)).count()
    if day_count >= settings.SMS_DAILY_LIMIT_PER_PHONE:
        raise ServiceError(_("Too many codes were sent to this number today. Try again tomorrow."))
    ip = origin.ip if origin is not None else None
    if ip:
        ip_count = PhoneChallenge.objects.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count()
        if ip_count >= settings.SMS_HOURLY_LIMIT_PER_IP:
            raise ServiceError(_("Too many codes were requested from your network. Try again in an hour."))
    salt = secrets.token_hex(16)
    challenge = PhoneChallenge(
        phone=phone,
        purpose=purpose,
        user=user,
        registration=registration,
        salt=salt,
        expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL),
        ip=ip,
    )
    challenge.code_hash = _code_hash(salt, challenge_code(challenge))
    challenge.save()
    message = SmsMessage.objects.create(phone=phone, challenge=challenge)
    _deliver_on_commit(message.pk)
    audit_record(
        action="sms_code_sent", actor=user, obj=challenge, after={"phone": phone, "purpose": purpose}, origin=origin
    )
    return challenge


def challenge_verify(*, challenge_id: int, code: str, origin: Origin | None = None) -> PhoneChallenge:
    """Check a code: at most `SMS_CODE_ATTEMPTS` tries, only while it is valid, only once."""
    with transaction.atomic():
        challenge = PhoneChallenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.confirmed_at:
            raise ServiceError(_("This code has already been used."), field="code")
        if challenge.expires_at <= timezone.now():
            raise ServiceError(_("The code has expired. Request a new one."), field="code")
        if challenge.attempts >= settings.SMS_CODE_ATTEMPTS:
            raise ServiceError(_("Too many wrong codes. Request a new one."), field="code")
        challenge.attempts += 1
        ok = hmac.compare_digest(challenge.code_hash, _code_hash(challenge.salt, (code or "").strip()))
        if ok:
            challenge.confirmed_at = timezone.now()
        challenge.save(update_fields=["attempts", "confirmed_at"])
        audit_record(
            action="sms_code_checked",
            actor=challenge.user,
            obj=challenge,
            after={"result": "ok" if ok else "wrong", "attempt": challenge.attempts},
            origin=origin,
        )
    if not ok:
        left = settings.SMS_CODE_ATTEMPTS - challenge.attempts
        if left <= 0:
            raise ServiceError(_("Wrong code. No tries left: request a new code."), field="code")
        raise ServiceError(_("Wrong code. Tries left: %(left)d.") % {"left": left}, field="code")
    return challenge


def sms_notify(*, phone: str, text: str, hold_until=None) -> SmsMessage:
    """Queue an informational SMS (no secrets in it); `hold_until` (the end of quiet hours) keeps it until then."""
    message = SmsMessage.objects.create(phone=phone, body=text, enqueued_at=hold_until or timezone.now())
    enqueue_on_commit(SMS, message.pk, at=hold_until)
    return message


def _deliver_on_commit(message_id: int) -> None:
    from kabinet.accounts.tasks import deliver_sms  # reason: a cycle (accounts.tasks runs this module)

    transaction.on_commit(lambda: deliver_sms.enqueue(message_id))


def _sms_text(message: SmsMessage) -> str:
    if message.challenge is None:
        return message.body
    code = challenge_code(message.challenge)
    if message.challenge.purpose == PhoneChallenge.Purpose.SIGNATURE:
        return _("Code to sign a document in Kabinet: %(code)s. Do not tell it to anyone.") % {"code": code}
    return _("Kabinet code: %(code)s. Do not tell it to anyone.") % {"code": code}


def _sms_send(message: SmsMessage) -> Outcome:
    """One try of one SMS (called by the outbox outside any transaction)."""
    try:
        provider_id = get_backend().send(
            str(message.phone), _sms_text(message), idempotency_key=message.idempotency_key()
        )
    except SmsError as exc:
        return Outcome(ok=False, retryable=exc.retryable, error=str(exc))
    return Outcome(ok=True, update={"provider_id": provider_id})


def _sms_task():
    from kabinet.accounts.tasks import deliver_sms  # reason: a cycle (accounts.tasks runs this module)

    return deliver_sms


SMS = Channel(
    name="sms",
    model=SmsMessage,
    send=_sms_send,
    task=_sms_task,
    max_attempts=lambda: settings.SMS_DELIVERY_ATTEMPTS,
    retry_delay=lambda attempts: 30 * 2 ** (attempts - 1),
    select_related=("challenge",),
)


def sms_deliver(message_id: int) -> str:
    """Send one queued SMS through the configured backend (`kabinet.messaging.outbox.deliver`). A gateway
    that is down keeps the message queued and schedules another try with back-off; a permanent refusal,
    or SMS_DELIVERY_ATTEMPTS tries, mark it failed."""
    return deliver(SMS, message_id)


def sms_requeue_stale() -> int:
    """Queue again every SMS whose try was lost (a worker killed mid-send): see outbox.requeue_stale."""
    return requeue_stale(SMS)


# ---------------------------------------------------------------------------------------------
# E-mail: kabinet.messaging.email.email_later (imported above for the callers of this module).


# ---------------------------------------------------------------------------------------------
# Consents


def current_consent_documents() -> dict[str, ConsentDocument]:
    latest: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return latest


def text_sha256(document: ConsentDocument) -> str:
    return hashlib.sha256(document.text.encode("utf-8")).hexdigest()


def consents_record(
    *,
    documents: list[ConsentDocument],
    phone: str,
    origin: Origin,
    user: User | None = None,
    registration: Registration | None = None,
) -> list[Consent]:
    return Consent.objects.bulk_create(
        Consent(
            document=d,
            kind=d.kind,
            version=d.version,
            text_sha256=text_sha256(d),
            user=user,
            registration=registration,
            phone=phone,
            ip=origin.ip,
            user_agent=origin.user_agent,
        )
        for d in documents
    )


def consents_missing(user: User) -> list[ConsentDocument]:
    """Current texts the user has not agreed to (a new version asks again)."""
    current = current_consent_documents()
    agreed = set(
        Consent.objects.filter(Q(user=user) | Q(registration__user=user))
        .filter(withdrawal__isnull=True)
        .values_list("document_id", flat=True)
    )
    return [d for d in current.values() if d.pk not in agreed]


# ---------------------------------------------------------------------------------------------
# Sign-in throttling


def signin_phone_key(raw_phone: str, normalized: str | None) -> str:
    return (normalized or raw_phone.strip().lower())[:32]


# Three limits, so that neither one address trying many phones nor many addresses trying one phone
# get far, while nobody can lock an owner out of their own account:
# - per phone and address: LOGIN_FAILURE_LIMIT failures refuse that pair for LOGIN_FAILURE_WINDOW;
# - per address across phones: LOGIN_IP_FAILURE_LIMIT failures in the window refuse the address;
# - per phone across addresses: past LOGIN_ACCOUNT_FAILURE_LIMIT failures each further one doubles a
#   delay (LOGIN_DELAY_BASE … LOGIN_DELAY_MAX) before the next try, and the owner is told once.
# The last two are counted in the cache by django-ratelimit and do not apply in a browser the account
# has signed in from before (a signed device cookie, OWASP's «device cookies»).
DEVICE_COOKIE = "kabinet_device"
_DEVICE_SALT = "kabinet.accounts.signin-device"
_DEVICE_MAX_USERS = 5


def _signin_usage(group: str, value: str, limit: int, *, increment: bool) -> dict:
    # The counts are keyed by the values given here, so django-ratelimit needs no request.
    return get_usage(
        None,
        group=f"kabinet.signin.{group}",
        key=lambda _group, _request: value,
        rate=(limit, settings.LOGIN_FAILURE_WINDOW),
        increment=increment,
    ) or {"count": 0, "limit": limit, "should_limit": False, "time_left": 0}


def _limits_cache():
    # The delay is a rate limit: kept where django-ratelimit keeps its counters (shared when Redis is down).
    return caches[settings.RATELIMIT_USE_CACHE]


def _delay_key(phone_key: str) -> str:
    return "kabinet:signin-delay:" + hashlib.sha256(phone_key.encode()).hexdigest()


def signin_device_users(device_cookie: str | None) -> list[int]:
    """Users who have signed in from this browser before (from the value of its signed device cookie,
    `DEVICE_COOKIE`, which the view reads)."""
    if not device_cookie:
        return []
    try:
        value = signing.loads(device_cookie, salt=_DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return []
    return [int(pk) for pk in value if isinstance(pk, int)] if isinstance(value, list) else []


def signin_device_cookie(device_cookie: str | None, user: User) -> str:
    """The device cookie value after `user` signed in here (newest first, a few accounts at most); the
    view sets it on the response."""
    users = [user.pk] + [pk for pk in signin_device_users(device_cookie) if pk != user.pk]
    return signing.dumps(users[:_DEVICE_MAX_USERS], salt=_DEVICE_SALT)


def _device_trusted(device_cookie: str | None, phone: str | None) -> bool:
    users = signin_device_users(device_cookie)
    return bool(phone and users and User.objects.filter(pk__in=users, phone=phone).exists())


def signin_blocked_for(
    *, phone_key: str, origin: Origin | None = None, device_cookie: str | None = None, phone: str | None = None
) -> int:
    """Seconds before this phone may be tried again from this address (0 when it may be now). Without an
    `origin` only the per-pair limit is checked; `device_cookie` is the browser's `DEVICE_COOKIE`."""
    ip = origin.ip if origin is not None else None
    window_start = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    failures = list(
        SignInFailure.objects.filter(phone_key=phone_key, ip=ip, created_at__gte=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.LOGIN_FAILURE_LIMIT]
    )
    if len(failures) >= settings.LOGIN_FAILURE_LIMIT:
        # Refused until the oldest of the last N failures leaves the window.
        free_at = failures[-1] + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
        return max(1, int((free_at - timezone.now()).total_seconds()))
    if origin is None or _device_trusted(device_cookie, phone):
        return 0
    if ip:
        usage = _signin_usage("ip", ip, settings.LOGIN_IP_FAILURE_LIMIT, increment=False)
        if usage["count"] >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(1, usage["time_left"])
    until = _limits_cache().get(_delay_key(phone_key))
    if until:
        return max(0, int(until - time.time() + 0.999))
    return 0


def signin_failed(*, phone_key: str, origin: Origin, user: User | None) -> None:
    ip = origin.ip
    SignInFailure.objects.create(phone_key=phone_key, ip=ip)
    audit_record(action="sign_in_failed", actor=None, obj=user, after={"phone": phone_key}, origin=origin)
    if ip:
        _signin_usage("ip", ip, settings.LOGIN_IP_FAILURE_LIMIT, increment=True)
    usage = _signin_usage("account", phone_key, settings.LOGIN_ACCOUNT_FAILURE_LIMIT, increment=True)
    over = usage["count"] - settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if over <= 0:
        return
    delay = min(settings.LOGIN_DELAY_MAX, settings.LOGIN_DELAY_BASE * 2 ** min(over - 1, 30))
    _limits_cache().set(_delay_key(phone_key), time.time() + delay, delay)
    if user is not None and _limits_cache().add(_delay_key(phone_key) + ":told", 1, settings.LOGIN_FAILURE_WINDOW):
        _tell_owner_of_guessing(user=user, origin=origin)


def _tell_owner_of_guessing(*, user: User, origin: Origin) -> None:
    """The owner learns by SMS and e-mail that someone keeps guessing their password."""
    audit_record(action="sign_in_delayed", actor=None, obj=user, origin=origin)
    sms_notify(
        phone=str(user.phone),
        text=_("Kabinet: many wrong passwords were tried for your account. If it was not you, change the password."),
    )
    email_later(
        to=user.email,
        template="signin_guessing",
        context={
            "user": user,
            "attempts": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
            "reset_link": absolute_url("accounts:password_reset"),
        },
    )


def signin_succeeded(*, user: User, origin: Origin) -> None:
    SignInFailure.objects.filter(phone_key=str(user.phone), ip=origin.ip).delete()
    audit_record(action="sign_in", actor=user, obj=user, origin=origin)


def second_factor_required(user: User) -> bool:
    """Staff always confirm the sign-in with a second factor; so does every member of an organization that
    asks for it («Настройки»). The memberships are read through the relation, not an import: they live
    on a floor above."""
    if user.is_staff:
        return True
    return user.memberships.filter(  # type: ignore[attr-defined]
        status="active", organization__second_factor_required=True
    ).exists()


def second_factor_code_send(*, user: User, origin: Origin) -> PhoneChallenge:
    return challenge_issue(phone=str(user.phone), purpose=PhoneChallenge.Purpose.SIGN_IN, user=user, origin=origin)


def second_factor_code_check(*, user: User, challenge_id: int, code: str, origin: Origin) -> None:
    if not PhoneChallenge.objects.filter(pk=challenge_id, user=user, purpose=PhoneChallenge.Purpose.SIGN_IN).exists():
        raise ServiceError(_("Request a new code."), field="code")
    challenge_verify(challenge_id=challenge_id, code=code, origin=origin)


# ---------------------------------------------------------------------------------------------
# Profile


def profile_update(*, user: User, full_name: str, email: str, origin: Origin) -> User:
    with transaction.atomic():
        before = {"full_name": user.full_name, "email": user.email}
        old_email = user.email
        user.full_name, user.email = full_name, email
        user.save(update_fields=["full_name", "email"])
        audit_record(
            action="profile_updated",
            actor=user,
            obj=user,
            before=before,
            after={"full_name": full_name, "email": email},
            origin=origin,
        )
        if old_email != email:
            for address in {old_email, email} - {""}:
                email_later(to=address, template="email_changed", context={"user": user, "new_email": email})
    return user


def password_change(*, user: User, new_password: str, origin: Origin) -> None:
    """Other sessions end: Django's session hash follows the password; the caller keeps its own."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(action="password_changed", actor=user, obj=user, origin=origin)
        email_later(to=user.email, template="password_changed", context={"user": user})


def _limit(group: str, value: str, limit: int, period: int) -> dict | None:
    return get_usage(None, group=group, key=lambda _group, _request: value, rate=(limit, period), increment=True)


def password_reset_request(*, phone: str, origin: Origin) -> None:
    """Count the per-phone and per-address limits and queue the letter (sent only if the phone is known)."""
    from kabinet.accounts.tasks import send_password_reset  # reason: a cycle (accounts.tasks runs this module)

    for group, value, limit in (
        ("kabinet.password-reset.phone", phone, settings.PASSWORD_RESET_LIMIT_PER_PHONE),
        ("kabinet.password-reset.ip", origin.ip or "", settings.PASSWORD_RESET_LIMIT_PER_IP),
    ):
        usage = _limit(group, value, limit, 3600)
        if usage and usage["should_limit"]:
            minutes = max(1, -(-usage["time_left"] // 60))
            raise ServiceError(
                _("Too many recovery requests. Try again in %(minutes)d min.") % {"minutes": minutes},
                field="phone",
                retry_after=usage["time_left"],
            )
    ip = origin.ip or ""
    transaction.on_commit(lambda: send_password_reset.enqueue(phone, ip=ip))


def password_reset_send(*, phone: str, ip: str = "") -> bool:
    """The worker's half of «Забыли пароль?»: e-mail the link to an active user with this phone."""
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None or not user.email:
        return False
    link = absolute_url(
        "accounts:password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    context = {"user": user, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    subject, body = render_email("password_reset", context)
    mail.send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    audit_record(action="password_reset_requested", actor=None, obj=user, after={"ip": ip})
    return True


def password_reset_done(*, user: User, origin: Origin) -> None:
    audit_record(action="password_reset", actor=user, obj=user, origin=origin)


def phone_change_start(*, user: User, new_phone: str, origin: Origin) -> PhoneChallenge:
    if new_phone == str(user.phone):
        raise ServiceError(_("This is your current number."), field="phone")
    if User.objects.filter(phone=new_phone).exists():
        raise ServiceError(_("This number belongs to another account."), field="phone")
    with transaction.atomic():
        return challenge_issue(phone=new_phone, purpose=PhoneChallenge.Purpose.PHONE_CHANGE, origin=origin, user=user)


def phone_change_confirm(*, user: User, challenge_id: int, code: str, origin: Origin) -> User:
    challenge = PhoneChallenge.objects.get(pk=challenge_id, user=user, purpose=PhoneChallenge.Purpose.PHONE_CHANGE)
    challenge_verify(challenge_id=challenge.pk, code=code, origin=origin)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if User.objects.filter(phone=challenge.phone).exclude(pk=user.pk).exists():
            raise ServiceError(_("This number belongs to another account."), field="code")
        old_phone = str(user.phone)
        user.phone = challenge.phone
        user.save(update_fields=["phone"])
        audit_record(
            action="phone_changed",
            actor=user,
            obj=user,
            before={"phone": old_phone},
            after={"phone": str(challenge.phone)},
            origin=origin,
        )
        email_later(to=user.email, template="phone_changed", context={"user": user, "old_phone": old_phone})
    return user


def sessions_end_others(*, user, origin: Origin | None = None) -> None:
    """«Выйти на всех устройствах»: a new session epoch, so every session signed in before no longer
    verifies (`User._get_session_auth_hash`); the caller keeps its own with `update_session_auth_hash`."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        audit_record(action="sessions_ended", actor=user, obj=user, origin=origin)


# Personal data under 152-FZ (consent withdrawal, deletion on request): their own module.
from kabinet.accounts.services.personal_data import (  # noqa: E402
    PersonalDataError as PersonalDataError,
)
from kabinet.accounts.services.personal_data import (  # noqa: E402
    consent_withdraw as consent_withdraw,
)
from kabinet.accounts.services.personal_data import (  # noqa: E402
    deletion_execute as deletion_execute,
)
from kabinet.accounts.services.personal_data import (  # noqa: E402
    deletion_request as deletion_request,
)
