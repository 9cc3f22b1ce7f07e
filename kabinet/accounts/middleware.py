from __future__ import annotations

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

DEADLINE_KEY = "kabinet_session_deadline"
CONSENT_KEY = "kabinet_consent_required"


class SessionPolicyMiddleware:
    """Two session rules that Django does not have:

    - a session without «Запомнить меня» lasts at most `BROWSER_SESSION_MAX_AGE` after sign-in,
      even if the browser is never closed;
    - after a new version of a consent text, the user agrees again before anything else.
    """

    # The personal-data page stays open without consent: a person who withdrew it can still take a
    # copy of their data or ask for deletion.
    ALLOWED_PREFIXES = ("/consent/", "/logout/", "/legal/", "/static/", "/admin/", "/profile/data/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            deadline = request.session.get(DEADLINE_KEY)
            if deadline and time.time() > deadline:
                logout(request)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if request.session.get(CONSENT_KEY) and not request.path.startswith(self.ALLOWED_PREFIXES):
                return redirect(f"{reverse('accounts:consent')}?next={request.get_full_path()}")
        return self.get_response(request)
