"""Sign-in by phone, password recovery, profile, consents and personal data (§1, §10). See
docs/architecture.md (the request and write paths)."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from kabinet.accounts import exports, forms, passkeys, selectors, services, user_sessions
from kabinet.accounts.middleware import CONSENT_KEY, DEADLINE_KEY
from kabinet.accounts.models import ConsentDocument, PhoneChallenge, User
from kabinet.core.access import KabinetRequest
from kabinet.core.files import bytes_response
from kabinet.core.net import Origin

PHONE_CHALLENGE_KEY = "kabinet_phone_challenge_id"
# «Запомнить меня» remembers the phone on this device for the next sign-in; the session itself still
# ends after SESSION_IDLE_TIMEOUT without activity (SessionPolicyMiddleware).
REMEMBERED_PHONE_COOKIE = "kabinet_remembered_phone"
_REMEMBERED_PHONE_SALT = "kabinet.accounts.remembered-phone"
BACKEND = "kabinet.accounts.backends.PhoneBackend"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


SECOND_FACTOR_KEY = "kabinet_second_factor"
SIGNED_IN_AT_KEY = "kabinet_signed_in_at"
WEBAUTHN_KEY = "kabinet_webauthn_challenge"
# The half-signed-in state lasts this long: the password was right, the second factor is still asked.
SECOND_FACTOR_SECONDS = 5 * 60
# A passkey is deleted without the password within this time after signing in.
FRESH_SIGNIN_SECONDS = 15 * 60


def _signed_in(request: HttpRequest, user, *, remember: bool, response: HttpResponse) -> HttpResponse:
    """Finish a sign-in (password, password and second factor, or passkey): the session, its age, the
    audit, consents and the known-device cookie."""
    request.session.pop(SECOND_FACTOR_KEY, None)
    request.session.pop(WEBAUTHN_KEY, None)
    login(request, user, backend=BACKEND)  # a new session id
    session = request.session
    if remember:
        session.set_expiry(settings.REMEMBER_ME_AGE)
        session.pop(DEADLINE_KEY, None)
    else:
        session.set_expiry(0)  # the cookie ends with the browser…
        session[DEADLINE_KEY] = time.time() + settings.BROWSER_SESSION_MAX_AGE  # …and the session in 12 h
    session[SIGNED_IN_AT_KEY] = time.time()
    services.signin_succeeded(user=user, origin=Origin.of(request))
    if services.consents_missing(user):
        session[CONSENT_KEY] = True
    # This browser is now known for the account: the cross-address limits do not delay it.
    response.set_cookie(
        services.DEVICE_COOKIE,
        services.signin_device_cookie(request.COOKIES.get(services.DEVICE_COOKIE), user),
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    if remember:  # the device is trusted for the next sign-in: the phone is filled in (the session still idles out)
        response.set_signed_cookie(
            REMEMBERED_PHONE_COOKIE,
            str(user.phone),
            salt=_REMEMBERED_PHONE_SALT,
            max_age=settings.REMEMBER_ME_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(REMEMBERED_PHONE_COOKIE, samesite="Lax")
    return response


class LoginView(auth_views.LoginView):
    form_class = forms.PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    # The user being signed in: the redirect is decided before `login()` (the second factor may come
    # between), when `request.user` is still anonymous.
    signing_in: User | None = None

    def get_default_redirect_url(self):
        """Without a `next`, the lessor's staff land in the back office; clients on their dashboard."""
        user = self.signing_in or self.request.user
        if user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()

    def get_initial(self):
        phone = self.request.get_signed_cookie(
            REMEMBERED_PHONE_COOKIE, default=None, salt=_REMEMBERED_PHONE_SALT, max_age=settings.REMEMBER_ME_AGE
        )
        return {"username": phone, "remember_me": True} if phone else {}

    def form_valid(self, form):
        user = self.signing_in = form.get_user()
        remember = bool(form.cleaned_data.get("remember_me"))
        if services.second_factor_required(user):
            # Half signed in: the session is not the user's yet (every other page sees an anonymous
            # visitor); only the second-factor step reads this key.
            self.request.session.cycle_key()
            self.request.session[SECOND_FACTOR_KEY] = {
                "user": user.pk,
                "remember": remember,
                "until": time.time() + SECOND_FACTOR_SECONDS,
                "next": self.get_success_url(),
            }
            return redirect("accounts:second_factor")
        return _signed_in(self.request, user, remember=remember, response=HttpResponseRedirect(self.get_success_url()))


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(SECOND_FACTOR_KEY)
    if not pending or pending.get("until", 0) < time.time():
        request.session.pop(SECOND_FACTOR_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in that needs one: a passkey of the user, or a code sent by SMS."""
    user, pending = _pending_user(request)
    if user is None:
        messages.error(request, _("The sign-in has expired. Enter the password again."))
        return redirect("accounts:login")
    action = request.POST.get("action") if request.method == "POST" else None
    form = forms.CodeForm(request.POST if action == "code" else None)
    if action == "send":
        try:
            challenge = services.second_factor_code_send(user=user, origin=Origin.of(request))
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            pending["challenge"] = challenge.pk
            request.session[SECOND_FACTOR_KEY] = pending
            messages.success(request, _("The code is sent by SMS."))
        return redirect("accounts:second_factor")
    if action == "code" and form.is_valid():
        try:
            services.second_factor_code_check(
                user=user,
                challenge_id=pending.get("challenge") or 0,
                code=form.cleaned_data["code"],
                origin=Origin.of(request),
            )
        except services.ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            return _signed_in(
                request, user, remember=pending["remember"], response=HttpResponseRedirect(pending["next"])
            )
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "has_passkeys": user.passkeys.exists(),
            "code_sent": bool(pending.get("challenge")),
            "phone": user.phone_display,
        },
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _keep_challenge(request: HttpRequest, purpose: str, challenge: bytes) -> None:
    request.session[WEBAUTHN_KEY] = {"purpose": purpose, "challenge": bytes_to_base64url(challenge)}


def _take_challenge(request: HttpRequest, purpose: str) -> bytes | None:
    kept = request.session.pop(WEBAUTHN_KEY, None)  # one answer per challenge
    if not kept or kept.get("purpose") != purpose:
        return None
    return base64url_to_bytes(kept["challenge"])


def _options_response(options: str) -> HttpResponse:
    return HttpResponse(options, content_type="application/json")


@require_POST
def passkey_signin_options(request: HttpRequest) -> HttpResponse:
    user, _pending = _pending_user(request)
    options, challenge = passkeys.authentication_options(user)
    _keep_challenge(request, "sign_in", challenge)
    return _options_response(options)


@require_POST
def passkey_signin(request: HttpRequest) -> HttpResponse:
    """A passkey answer: signs in instead of the password, or completes a half-done sign-in."""
    user, pending = _pending_user(request)
    body = _json_body(request)
    challenge = _take_challenge(request, "sign_in")
    if challenge is None:
        return JsonResponse({"error": _("The page has expired. Reload it and try again.")}, status=400)
    try:
        passkey = passkeys.passkey_authenticate(
            credential=json.dumps(body.get("credential") or {}),
            challenge=challenge,
            origin=Origin.of(request),
            user=user,
        )
    except passkeys.PasskeyError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if pending:
        remember, target = pending["remember"], pending["next"]
    else:
        remember, target = bool(body.get("remember")), _safe_next(request, reverse("contracts:dashboard"))
    return _signed_in(request, passkey.user, remember=remember, response=JsonResponse({"redirect": target}))


@login_required
@require_POST
def passkey_register_options(request: KabinetRequest) -> HttpResponse:
    options, challenge = passkeys.registration_options(request.user)
    _keep_challenge(request, "register", challenge)
    return _options_response(options)


@login_required
@require_POST
def passkey_register(request: KabinetRequest) -> HttpResponse:
    body = _json_body(request)
    challenge = _take_challenge(request, "register")
    if challenge is None:
        return JsonResponse({"error": _("The page has expired. Reload it and try again.")}, status=400)
    try:
        passkey = passkeys.passkey_add(
            user=request.user,
            name=str(body.get("name") or ""),
            credential=json.dumps(body.get("credential") or {}),
            challenge=challenge,
            origin=Origin.of(request),
        )
    except passkeys.PasskeyError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    messages.success(request, _("The passkey «%(name)s» is added.") % {"name": passkey.name})
    return JsonResponse({"redirect": reverse("accounts:profile")})


class LogoutView(auth_views.LogoutView):
    pass


# --- Consents ------------------------------------------------------------------------------------


def legal_document(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ConsentDocument.Kind.values:
        raise Http404
    document = selectors.legal_document(kind)
    if document is None:
        raise Http404
    return render(request, "accounts/legal_document.html", {"document": document})


@login_required
def consent(request: KabinetRequest) -> HttpResponse:
    missing = services.consents_missing(request.user)
    if not missing:
        request.session.pop(CONSENT_KEY, None)
        return HttpResponseRedirect(_safe_next(request, reverse("contracts:dashboard")))
    form = forms.ConsentForm(request.POST or None, documents=missing)
    if request.method == "POST" and form.is_valid():
        services.consents_record(
            documents=missing, phone=str(request.user.phone), origin=Origin.of(request), user=request.user
        )
        request.session.pop(CONSENT_KEY, None)
        return HttpResponseRedirect(_safe_next(request, reverse("contracts:dashboard")))
    return render(request, "accounts/consent.html", {"form": form, "next": _safe_next(request, "")})


# --- Password recovery ---------------------------------------------------------------------------


def password_reset(request: HttpRequest) -> HttpResponse:
    """«Забыли пароль?»: the same answer, and the same work, whether or not the phone exists.

    The request only counts the limits and queues a task with the phone; the worker looks the user
    up and sends the letter, so neither the answer, its timing nor a broken mail server tells who
    has an account.
    """
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                phone=form.cleaned_data["phone"],
                origin=Origin.of(request),
            )
        except services.ServiceError as exc:
            form.add_error("phone", exc.message)
        else:
            return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.ResetSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # The token is single-use: it is made from the password hash, which changes now.
        with transaction.atomic():
            services.password_change(
                user=form.user, new_password=form.cleaned_data["new_password1"], origin=Origin.of(self.request)
            )
            services.password_reset_done(user=form.user, origin=Origin.of(self.request))
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


# --- Profile -------------------------------------------------------------------------------------


@login_required
@require_POST
def sessions_end_others(request: KabinetRequest) -> HttpResponse:
    """«Выйти на всех устройствах»: every other session of the user ends; this one stays, on a new key."""
    services.sessions_end_others(user=request.user, origin=Origin.of(request))
    update_session_auth_hash(request, request.user)
    user_sessions.session_key_follow(request)  # this session has a new key: its row follows first
    user_sessions.sessions_forget_others(request.user, keep_key=request.session.session_key)
    messages.success(request, _("You are signed out on every other device."))
    return redirect("accounts:profile")


@login_required
@require_POST
def session_end(request: KabinetRequest, pk: int) -> HttpResponse:
    """«Завершить» one session of the user's (this one too: that is a sign-out)."""
    current = request.session.get(user_sessions.RECORD_KEY) == pk
    if not user_sessions.session_end(user=request.user, pk=pk, origin=Origin.of(request)):
        raise Http404
    if current:
        logout(request)
        return redirect("accounts:login")
    messages.success(request, _("The session is ended."))
    return redirect("accounts:profile")


@login_required
def profile(request: KabinetRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    profile_form = forms.ProfileForm(
        request.POST if action == "profile" else None, initial={"full_name": user.full_name, "email": user.email}
    )
    phone_form = forms.PhoneChangeForm(request.POST if action == "phone" else None)
    password_form = forms.PasswordChangeForm(user, request.POST if action == "password" else None)
    if action == "profile" and profile_form.is_valid():
        services.profile_update(
            user=user,
            full_name=profile_form.cleaned_data["full_name"],
            email=profile_form.cleaned_data["email"],
            origin=Origin.of(request),
        )
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    if action == "phone" and phone_form.is_valid():
        try:
            challenge = services.phone_change_start(
                user=user, new_phone=phone_form.cleaned_data["phone"], origin=Origin.of(request)
            )
        except services.ServiceError as exc:
            phone_form.add_error("phone", exc.message)
        else:
            request.session[PHONE_CHALLENGE_KEY] = challenge.pk
            return redirect("accounts:phone_confirm")
    passkey_errors: dict[int, str] = {}
    if action == "passkey_delete":
        passkey_id = int(request.POST.get("passkey") or 0) if (request.POST.get("passkey") or "").isdigit() else 0
        fresh = request.session.get(SIGNED_IN_AT_KEY, 0) + FRESH_SIGNIN_SECONDS >= time.time()
        password = request.POST.get("password", "")
        if not fresh and not user.check_password(password):
            passkey_errors[passkey_id] = (
                _("The password is wrong.") if password else _("Enter your password to delete the passkey.")
            )
        else:
            try:
                passkeys.passkey_delete(user=user, passkey_id=passkey_id, origin=Origin.of(request))
            except passkeys.Passkey.DoesNotExist:
                raise Http404 from None
            messages.success(request, _("The passkey is deleted."))
            return redirect("accounts:profile")
    if action == "password" and password_form.is_valid():
        services.password_change(
            user=user, new_password=password_form.cleaned_data["new_password1"], origin=Origin.of(request)
        )
        update_session_auth_hash(request, user)  # this session stays; every other one ends
        user_sessions.session_key_follow(request)  # this session has a new key: its row follows first
        user_sessions.sessions_forget_others(user, keep_key=request.session.session_key)
        messages.success(request, _("Password changed. Other sessions have been signed out."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_form": profile_form,
            "phone_form": phone_form,
            "password_form": password_form,
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
            "user_sessions": user_sessions.active_sessions(user, request.session.session_key),
            "passkey_rows": [(passkey, passkey_errors.get(passkey.pk)) for passkey in user.passkeys.all()],
            "signin_fresh": request.session.get(SIGNED_IN_AT_KEY, 0) + FRESH_SIGNIN_SECONDS >= time.time(),
        },
    )


@login_required
def phone_confirm(request: KabinetRequest) -> HttpResponse:
    challenge_id = request.session.get(PHONE_CHALLENGE_KEY)
    challenge = selectors.phone_change_challenge(request.user, challenge_id, pending=True)
    if challenge is None:
        return redirect("accounts:profile")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_change_confirm(
                user=request.user, challenge_id=challenge.pk, code=form.cleaned_data["code"], origin=Origin.of(request)
            )
        except services.ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(PHONE_CHALLENGE_KEY, None)
            messages.success(request, _("The phone number is changed."))
            return redirect("accounts:profile")
    wait = services.challenge_resend_wait(str(challenge.phone), PhoneChallenge.Purpose.PHONE_CHANGE)
    return render(
        request,
        "accounts/phone_confirm.html",
        {
            "form": form,
            "challenge": challenge,
            "resend_wait": wait,
            "resend_url": reverse("accounts:phone_resend"),
        },
    )


@login_required
@require_POST
def phone_resend(request: KabinetRequest) -> HttpResponse:
    challenge_id = request.session.get(PHONE_CHALLENGE_KEY)
    challenge = selectors.phone_change_challenge(request.user, challenge_id)
    if challenge is None:
        return redirect("accounts:profile")
    try:
        new = services.phone_change_start(user=request.user, new_phone=str(challenge.phone), origin=Origin.of(request))
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        request.session[PHONE_CHALLENGE_KEY] = new.pk
        messages.success(request, _("A new code has been sent."))
    return redirect("accounts:phone_confirm")


# --- Personal data (152-FZ) ------------------------------------------------------------------------


@login_required
def personal_data_page(request: KabinetRequest) -> HttpResponse:
    """«Персональные данные»: the consents given, a copy of the data, a deletion request."""
    return render(
        request,
        "accounts/personal_data.html",
        {
            "consents": selectors.consents_of(request.user),
            "data_requests": selectors.data_requests(request.user),
            "delete_form": forms.DeletionRequestForm(),
        },
    )


@login_required
def personal_data_json(request: KabinetRequest) -> HttpResponse:
    content = exports.personal_data_json(request.user)
    return bytes_response(content, _("Personal data.json"), "application/json; charset=utf-8")


@login_required
def personal_data_pdf(request: KabinetRequest) -> HttpResponse:
    return bytes_response(exports.personal_data_pdf(request.user), _("Personal data.pdf"), "application/pdf")


@login_required
def consent_withdraw(request: KabinetRequest, pk: int) -> HttpResponse:
    """A page that says what withdrawing means; the POST withdraws."""
    consent = next((c for c in selectors.consents_of(request.user) if c.pk == pk), None)
    if consent is None or hasattr(consent, "withdrawal"):
        raise Http404
    if request.method == "POST":
        try:
            services.consent_withdraw(user=request.user, consent_id=pk, origin=Origin.of(request))
        except services.PersonalDataError as exc:
            messages.error(request, str(exc))
        else:
            request.session[CONSENT_KEY] = True
            messages.success(request, _("The consent is withdrawn."))
        return redirect("accounts:personal_data")
    return render(request, "accounts/consent_withdraw.html", {"consent": consent})


@login_required
@require_POST
def personal_data_delete(request: KabinetRequest) -> HttpResponse:
    form = forms.DeletionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Confirm that you understand what deletion means."))
        return redirect("accounts:personal_data")
    try:
        services.deletion_request(user=request.user, reason=form.cleaned_data["reason"], origin=Origin.of(request))
    except services.PersonalDataError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your request is sent. We will tell you by e-mail when it is done."))
    return redirect("accounts:personal_data")
