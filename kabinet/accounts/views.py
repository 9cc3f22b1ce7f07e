from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts import forms, personal_data, selectors, services
from kabinet.accounts.middleware import CONSENT_KEY, DEADLINE_KEY
from kabinet.accounts.models import ConsentDocument, PhoneChallenge
from kabinet.core.access import KabinetRequest
from kabinet.core.files import bytes_response
from kabinet.core.net import Origin

PHONE_CHALLENGE_KEY = "kabinet_phone_challenge_id"
BACKEND = "kabinet.accounts.backends.PhoneBackend"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


class LoginView(auth_views.LoginView):
    form_class = forms.PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # login() gives the session a new id
        session = self.request.session
        if form.cleaned_data.get("remember_me"):
            session.set_expiry(settings.REMEMBER_ME_AGE)
            session.pop(DEADLINE_KEY, None)
        else:
            session.set_expiry(0)  # the cookie ends with the browser…
            session[DEADLINE_KEY] = time.time() + settings.BROWSER_SESSION_MAX_AGE  # …and the session in 12 h
        user = form.get_user()
        services.signin_succeeded(user=user, origin=Origin.of(self.request))
        if services.consents_missing(user):
            session[CONSENT_KEY] = True
        # This browser is now known for the account: the cross-address limits do not delay it.
        response.set_cookie(
            services.DEVICE_COOKIE,
            services.signin_device_cookie(self.request.COOKIES.get(services.DEVICE_COOKIE), user),
            max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response


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
                portal_url=request.build_absolute_uri("/")[:-1],
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
    if action == "password" and password_form.is_valid():
        services.password_change(
            user=user, new_password=password_form.cleaned_data["new_password1"], origin=Origin.of(request)
        )
        update_session_auth_hash(request, user)  # this session stays; every other one ends
        messages.success(request, _("Password changed. Other sessions have been signed out."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_form": profile_form,
            "phone_form": phone_form,
            "password_form": password_form,
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
            "consents": personal_data.consents_of(request.user),
            "data_requests": selectors.data_requests(request.user),
            "delete_form": forms.DeletionRequestForm(),
        },
    )


@login_required
def personal_data_json(request: KabinetRequest) -> HttpResponse:
    content = personal_data.personal_data_json(request.user)
    return bytes_response(content, _("Personal data.json"), "application/json; charset=utf-8")


@login_required
def personal_data_pdf(request: KabinetRequest) -> HttpResponse:
    return bytes_response(personal_data.personal_data_pdf(request.user), _("Personal data.pdf"), "application/pdf")


@login_required
def consent_withdraw(request: KabinetRequest, pk: int) -> HttpResponse:
    """A page that says what withdrawing means; the POST withdraws."""
    consent = next((c for c in personal_data.consents_of(request.user) if c.pk == pk), None)
    if consent is None or hasattr(consent, "withdrawal"):
        raise Http404
    if request.method == "POST":
        try:
            personal_data.consent_withdraw(user=request.user, consent_id=pk, origin=Origin.of(request))
        except personal_data.PersonalDataError as exc:
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
        personal_data.deletion_request(user=request.user, reason=form.cleaned_data["reason"], origin=Origin.of(request))
    except personal_data.PersonalDataError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your request is sent. We will tell you by e-mail when it is done."))
    return redirect("accounts:personal_data")
