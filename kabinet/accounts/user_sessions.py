"""The list of a user's signed-in sessions («Профиль» → «Сеансы»): a row per session written on sign-in,
its last activity renewed by the session middleware at most once a minute, removed on sign-out; and
«Завершить», which ends one session at once whatever the session backend."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.models import User, UserSession
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin

# The idle timeout's clock (SessionPolicyMiddleware); it starts at sign-in, so a session idle from its
# first request on ends too, «Запомнить меня» or not.
ACTIVITY_KEY = "kabinet_last_activity"
# The row of this session, kept in the session itself: the middleware renews it without a lookup.
RECORD_KEY = "kabinet_session_record"

# A tiny parser is enough: the page names the browser and the system, nothing a library's device
# database would add for a person recognising their own phone or laptop. Order matters: Edge and Opera
# say «Chrome» too, Chrome says «Safari».
_BROWSERS = (
    (r"YaBrowser/(\d+)", "Яндекс Браузер"),
    (r"Edg(?:e|A|iOS)?/(\d+)", "Edge"),
    (r"(?:OPR|Opera)/(\d+)", "Opera"),
    (r"Firefox/(\d+)", "Firefox"),
    (r"FxiOS/(\d+)", "Firefox"),
    (r"CriOS/(\d+)", "Chrome"),
    (r"Chrom(?:e|ium)/(\d+)", "Chrome"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", "Safari"),
)
_SYSTEMS = (
    (r"Windows NT", "Windows"),
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """«Chrome 120, Windows» from a User-Agent header; what is not recognised is said so."""
    browser = next((f"{name} {m.group(1)}" for pattern, name in _BROWSERS if (m := re.search(pattern, user_agent))), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    return ", ".join(part for part in (browser, system) if part) or _("Unknown device")


@dataclass(frozen=True)
class SessionRow:
    pk: int
    device: str
    ip: str | None
    created: datetime
    last_seen: datetime
    current: bool


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def active_sessions(user: User, current_key: str | None) -> list[SessionRow]:
    """The user's sessions that can still be in use (idle for less than the timeout), this one first."""
    since = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    rows = [
        SessionRow(
            pk=s.pk,
            device=describe_user_agent(s.user_agent),
            ip=s.ip,
            created=s.created,
            last_seen=s.last_seen,
            current=bool(current_key) and s.session_key == current_key,
        )
        for s in UserSession.objects.filter(user=user, last_seen__gte=since).order_by("-last_seen")
    ]
    return sorted(rows, key=lambda r: not r.current)


def session_end(*, user: User, pk: int, origin: Origin | None = None) -> bool:
    """«Завершить»: the session ends at once (deleted through the SessionStore, so a cached session
    ends too). Another user's session is not found: False, and the view answers 404."""
    with transaction.atomic():
        record = UserSession.objects.select_for_update().filter(user=user, pk=pk).first()
        if record is None:
            return False
        _store(record.session_key).delete(record.session_key)
        record.delete()
        audit_record(
            action="session_ended",
            actor=user,
            obj=user,
            after={"device": describe_user_agent(record.user_agent), "ip": record.ip},
            origin=origin,
        )
    return True


def sessions_forget_others(user: User, keep_key: str | None) -> None:
    """After «Выйти на всех остальных устройствах» or a new password: the other sessions no longer
    verify, so they are ended in the store too and leave the list."""
    for record in UserSession.objects.filter(user=user).exclude(session_key=keep_key or ""):
        _store(record.session_key).delete(record.session_key)
        record.delete()


def session_touch(request, now: datetime) -> None:
    """From the middleware, at most once a minute: the last activity, and the key if it rotated
    (a password confirmation gives the session a new key)."""
    pk = request.session.get(RECORD_KEY)
    key = request.session.session_key
    if not key:
        return
    if pk is None:  # a session signed in before the list existed: listed from its next activity on
        _record(request, request.user)
        return
    UserSession.objects.filter(pk=pk, user=request.user).update(last_seen=now, session_key=key)


def session_key_follow(request) -> None:
    """After the response: a key rotated during this request is written to the row at once, so
    «Завершить» on another device ends this session, not a key that no longer exists."""
    pk = request.session.get(RECORD_KEY)
    key = request.session.session_key
    if pk is not None and key and request.session.get(f"{RECORD_KEY}_key") != key:
        UserSession.objects.filter(pk=pk, user=request.user).update(session_key=key)
        request.session[f"{RECORD_KEY}_key"] = key


def _record(request, user: User) -> None:
    session = request.session
    if not session.session_key:
        session.save()
    origin = Origin.of(request)
    UserSession.objects.filter(session_key=session.session_key).delete()
    record = UserSession.objects.create(
        user=user, session_key=session.session_key, user_agent=origin.user_agent[:400], ip=origin.ip
    )
    session[RECORD_KEY] = record.pk
    session[f"{RECORD_KEY}_key"] = session.session_key


@receiver(user_logged_in, dispatch_uid="kabinet.accounts.session_record")
def _signed_in(sender, request, user, **kwargs) -> None:
    _record(request, user)
    request.session[ACTIVITY_KEY] = time.time()


@receiver(user_logged_out, dispatch_uid="kabinet.accounts.session_record_end")
def _signed_out(sender, request, user, **kwargs) -> None:
    pk = request.session.get(RECORD_KEY) if request is not None else None
    if pk is not None and user is not None:
        UserSession.objects.filter(pk=pk, user=user).delete()
