"""Registration pages, the company suggestions under «ИНН или название организации» and «Добавить
организацию». URL names stay in the `accounts` and `organizations` namespaces (see kabinet/onboarding/urls.py)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from kabinet.accounts import forms as account_forms
from kabinet.accounts import selectors as account_selectors
from kabinet.accounts import services as account_services
from kabinet.accounts.middleware import DEADLINE_KEY
from kabinet.accounts.models import PhoneChallenge, Registration
from kabinet.accounts.views import BACKEND
from kabinet.core.access import KabinetRequest
from kabinet.core.net import Origin
from kabinet.onboarding import forms, services
from kabinet.organizations.lookup import LookupError_, get_lookup

REGISTRATION_KEY = "kabinet_registration_id"


def company_submit_refused(request: HttpRequest) -> str:
    """Submitting a form that looks the company up (registration, «Добавить организацию») is limited like
    the suggestions: per address, and per account when signed in (django-ratelimit, counted in the
    cache). Returns the message to show, or "" when the lookup may go ahead."""
    checks = [("kabinet.company-submit-ip", "ip", settings.COMPANY_SUBMIT_LIMIT_PER_IP)]
    if request.user.is_authenticated:
        checks.append(("kabinet.company-submit-user", "user", settings.COMPANY_SUBMIT_LIMIT_PER_USER))
    limited = False
    for group, key, rate in checks:
        # Every counter is incremented (no short-circuit), so one key cannot be used to spare the other.
        limited |= is_ratelimited(request, group=group, key=key, rate=(rate, 3600), increment=True)
    return _("Too many attempts to find an organization. Try again in an hour.") if limited else ""


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("organizations:list")
    refused = company_submit_refused(request) if request.method == "POST" else ""
    form = forms.RegistrationForm(request.POST or None, lookup_refused=refused)
    if request.method == "POST" and form.is_valid():
        data = services.RegistrationInput(
            full_name=form.cleaned_data["full_name"],
            phone=form.cleaned_data["phone"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        try:
            registration = services.registration_start(data=data, company=form.company_info, origin=Origin.of(request))
        except services.ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            request.session[REGISTRATION_KEY] = registration.pk
            return redirect("accounts:register_confirm")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "documents": account_services.current_consent_documents()},
        status=429 if refused else 200,
    )


def company_suggestions(request: HttpRequest) -> HttpResponse:
    """Suggestions under «ИНН или название организации» (htmx fragment)."""
    query = (request.GET.get("company") or request.GET.get("q") or "").strip()
    companies, unavailable, limited = [], False, False
    if len(query) >= 3:
        # No sign-in is needed here and every lookup may spend the lessor's paid DaData quota.
        limited = is_ratelimited(
            request,
            group="kabinet.company-suggestions",
            key="ip",
            rate=(settings.COMPANY_LOOKUP_LIMIT_PER_IP, 60),
            increment=True,
        )
        if not limited:
            try:
                companies = get_lookup().suggest(query)
            except LookupError_:
                unavailable = True
    return render(
        request,
        "accounts/_company_suggestions.html",
        {"companies": companies, "unavailable": unavailable, "limited": limited, "query": query},
        status=429 if limited else 200,
    )


def _pending_registration(request: HttpRequest) -> Registration:
    registration_id = request.session.get(REGISTRATION_KEY)
    if not registration_id:
        raise Http404
    return get_object_or_404(Registration, pk=registration_id, status=Registration.Status.PHONE_PENDING)


def register_confirm(request: HttpRequest) -> HttpResponse:
    registration = _pending_registration(request)
    form = account_forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.registration_confirm(
                registration_id=registration.pk, code=form.cleaned_data["code"], origin=Origin.of(request)
            )
        except services.ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(REGISTRATION_KEY, None)
            login(request, user, backend=BACKEND)
            request.session.set_expiry(0)
            request.session[DEADLINE_KEY] = time.time() + settings.BROWSER_SESSION_MAX_AGE
            return redirect("accounts:register_done")
    wait = account_services.challenge_resend_wait(str(registration.phone), PhoneChallenge.Purpose.REGISTRATION)
    return render(
        request,
        "accounts/register_confirm.html",
        {
            "form": form,
            "registration": registration,
            "resend_wait": wait,
            "resend_url": reverse("accounts:register_resend"),
        },
    )


@require_POST
def register_resend(request: HttpRequest) -> HttpResponse:
    registration = _pending_registration(request)
    try:
        services.registration_resend(registration=registration, origin=Origin.of(request))
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new code has been sent."))
    return redirect("accounts:register_confirm")


@login_required
def register_done(request: KabinetRequest) -> HttpResponse:
    return render(
        request,
        "accounts/register_done.html",
        {
            "registrations": account_selectors.registrations(request.user).select_related("organization"),
        },
    )


@login_required
def organization_add(request: KabinetRequest) -> HttpResponse:
    """«Добавить организацию»: link another company by INN; staff approve it like a registration."""
    refused = company_submit_refused(request) if request.method == "POST" else ""
    form = forms.AddOrganizationForm(request.POST or None, lookup_refused=refused)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_request(user=request.user, company=form.company_info, origin=Origin.of(request))
        except services.ServiceError as exc:
            form.add_error("company", exc.message)
        else:
            messages.success(request, _("The request is sent. A manager of the creditor will check it."))
            return redirect("organizations:list")
    return render(
        request, "organizations/add.html", {"form": form, "section": "organizations"}, status=429 if refused else 200
    )
