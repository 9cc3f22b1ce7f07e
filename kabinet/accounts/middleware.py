"""The session rules of every request Django lacks: a maximum age of a session without «Запомнить меня»,
and a new consent text agreed to before anything else."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts.user_sessions import ACTIVITY_KEY, session_key_follow, session_touch

DEADLINE_KEY = "kabinet_session_deadline"
CONSENT_KEY = "kabinet_consent_required"
__all__ = ["ACTIVITY_KEY", "BACKGROUND_HEADER", "CONSENT_KEY", "DEADLINE_KEY", "SessionPolicyMiddleware"]
# The last activity is written at most this often: not a session save on every request.
ACTIVITY_RESOLUTION = 60
# Requests the page makes by itself (the support chat's poll) say so; they are not the user's activity.
BACKGROUND_HEADER = "X-Kabinet-Background"


class SessionPolicyMiddleware:
    """Session rules that Django does not have:

    - a session without «Запомнить меня» lasts at most `BROWSER_SESSION_MAX_AGE` after sign-in,
      even if the browser is never closed;
    - any session ends after `SESSION_IDLE_TIMEOUT` seconds without the user's activity (a bank's
      rule; the pages' own background polls do not count);
    - after a new version of a consent text, the user agrees again before anything else.
    """

    # The personal-data page stays open without consent: a person who withdrew it can still take a
    # copy of their data or ask for deletion.
    ALLOWED_PREFIXES = ("/consent/", "/logout/", "/legal/", "/static/", "/admin/", "/profile/data/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            deadline = request.session.get(DEADLINE_KEY)
            last = request.session.get(ACTIVITY_KEY)
            if (deadline and now > deadline) or (last and now - last > settings.SESSION_IDLE_TIMEOUT):
                logout(request)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if not request.headers.get(BACKGROUND_HEADER) and (not last or now - last > ACTIVITY_RESOLUTION):
                request.session[ACTIVITY_KEY] = now
                session_touch(request, timezone.now())  # the list of sessions in «Профиль»
            if request.session.get(CONSENT_KEY) and not request.path.startswith(self.ALLOWED_PREFIXES):
                return redirect(f"{reverse('accounts:consent')}?next={request.get_full_path()}")
        response = self.get_response(request)
        # The integration API's token authentication leaves `request.user` None (DRF writes its user back).
        if getattr(request.user, "is_authenticated", False):
            session_key_follow(request)
        return response
