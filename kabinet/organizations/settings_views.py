"""«Настройки» (§8): the organization card, employees and access, change history."""

from __future__ import annotations

import time
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.accounts.forms import PHONE_ATTRS, ResetSetPasswordForm, clean_phone_value
from kabinet.audit import presentation
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record
from kabinet.core.models import get_object_for_org
from kabinet.core.views import org_required, page_numbers, paginate
from kabinet.creditors.selectors import current_creditor
from kabinet.organizations import employees
from kabinet.organizations.lookup import LookupError_, get_lookup
from kabinet.organizations.models import Membership

SUDO_KEY = "kabinet_sudo_until"
SUDO_SECONDS = 15 * 60
ROLE_HELP = {
    Membership.Role.ADMIN: gettext_lazy(
        "Administrator — has full access to all sections and requests. May add new employees and change their rights."
    ),
    Membership.Role.MANAGER: gettext_lazy(
        "Manager — has full access to all sections and requests. Cannot add new employees or change their rights."
    ),
}


def admin_required(view):
    """Only an Administrator of the selected organization; a Manager gets 403 even on a hand-made POST.
    Employee changes also need the password entered within the last 15 minutes."""

    @org_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied
        if request.method == "POST" and request.session.get(SUDO_KEY, 0) < time.time():
            return redirect(f"{reverse('organizations:confirm_password')}?next={reverse('organizations:settings')}")
        return view(request, *args, **kwargs)

    return wrapper


class EmployeeForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=255)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices)

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data["phone"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, required=False)
    status = forms.ChoiceField(choices=Membership.Status.choices, required=False)


def _settings_context(request, **extra):
    members = (
        Membership.objects.filter(organization=request.org).select_related("user").order_by("user__full_name", "pk")
    )
    return {
        "org": request.org,
        "membership": request.membership,
        "members": members,
        "all_memberships": Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name"),
        "employee_form": extra.pop("employee_form", EmployeeForm(initial={"role": Membership.Role.MANAGER})),
        "role_help": ROLE_HELP,
        "roles": Membership.Role.choices,
        "section": "settings",
        **extra,
    }


@org_required
def settings_page(request):
    return render(request, "organizations/settings.html", _settings_context(request))


@org_required
@require_POST
def refresh_from_registry(request):
    """Refresh the card from the company registry (DaData or the local registry)."""
    org = request.org
    try:
        company = get_lookup().find_by_inn(org.inn)
    except LookupError_:
        messages.error(request, _("The company registry does not answer right now. Try again in a few minutes."))
        return redirect("organizations:settings")
    if company is None:
        messages.error(request, _("The registry has no company with this INN."))
        return redirect("organizations:settings")
    fields = {
        "name": company.name,
        "full_name": company.full_name,
        "kpp": company.kpp,
        "ogrn": company.ogrn,
        "director": company.director,
        "legal_address": company.legal_address,
        "okved_code": company.okved_code,
        "okved_name": company.okved_name or org.okved_name,
    }
    before = {k: getattr(org, k) for k in fields}
    with transaction.atomic():
        for key, value in fields.items():
            if value:
                setattr(org, key, value)
        org.save()
        audit_record(
            action="organization_refreshed",
            organization=org,
            actor=request.user,
            obj=org,
            before=before,
            after={k: getattr(org, k) for k in fields},
            request=request,
        )
    messages.success(request, _("The data is refreshed from the registry."))
    return redirect("organizations:settings")


@org_required
def confirm_password(request):
    """Ask for the password again before employee changes (at most once every 15 minutes)."""
    error = ""
    target = request.POST.get("next") or request.GET.get("next") or reverse("organizations:settings")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("organizations:settings")
    if request.method == "POST":
        if request.user.check_password(request.POST.get("password", "")):
            request.session[SUDO_KEY] = time.time() + SUDO_SECONDS
            return HttpResponseRedirect(target)
        error = _("The password is wrong.")
    return render(
        request, "organizations/confirm_password.html", {"error": error, "next": target, "section": "settings"}
    )


@admin_required
@require_POST
def employee_add(request):
    # Only these four fields are read: a smuggled «organization» or anything else is ignored.
    form = EmployeeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            employees.employee_add(
                org=request.org,
                actor=request.user,
                phone=data["phone"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                base_url=request.build_absolute_uri("/"),
                request=request,
            )
        except employees.EmployeeError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("The employee is added."))
            return redirect("organizations:settings")
    return render(
        request,
        "organizations/settings.html",
        _settings_context(request, employee_form=form, open_dialog=True),
        status=400,
    )


@admin_required
@require_POST
def employee_update(request, pk: int):
    membership = get_object_for_org(Membership, request.org, pk=pk)
    form = RoleForm(request.POST)
    form.is_valid()
    try:
        if form.cleaned_data.get("role") and form.cleaned_data["role"] != membership.role:
            employees.employee_change_role(
                org=request.org,
                actor=request.user,
                membership_id=membership.pk,
                role=form.cleaned_data["role"],
                request=request,
            )
        if form.cleaned_data.get("status") and form.cleaned_data["status"] != membership.status:
            employees.employee_set_status(
                org=request.org,
                actor=request.user,
                membership_id=membership.pk,
                status=form.cleaned_data["status"],
                request=request,
            )
    except employees.EmployeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("organizations:settings")


@admin_required
@require_POST
def employee_remove(request, pk: int):
    membership = get_object_for_org(Membership, request.org, pk=pk)
    try:
        employees.employee_remove(org=request.org, actor=request.user, membership_id=membership.pk, request=request)
    except employees.EmployeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The employee is removed."))
    return redirect("organizations:settings")


@org_required
def history(request):
    """«История изменений»: who changed what in the organization, and when; filters by person and type."""
    events = AuditEvent.objects.for_org(request.org).select_related("actor")
    people = list(
        Membership.objects.filter(organization=request.org).select_related("user").order_by("user__full_name")
    )
    actor = request.GET.get("actor", "")
    action = request.GET.get("action", "")
    if actor.isdigit():
        events = events.filter(actor_id=int(actor))
    if action:
        events = events.filter(action=action)
    page = paginate(request, events.order_by("-created_at", "-id"))
    creditor = current_creditor(request)
    creditor_name = creditor.short_name if creditor else ""
    related = presentation.related_names(page.object_list)
    rows = [
        {
            "event": e,
            "who": presentation.actor_label(e, creditor_name),
            "what": presentation.action_label(e.action),
            "changes": presentation.describe_changes(e, related),
            "ip": e.ip if presentation.shows_ip(e) else "",
        }
        for e in page.object_list
    ]
    return render(
        request,
        "organizations/history.html",
        {
            "page": page,
            "rows": rows,
            "page_numbers": page_numbers(page),
            "people": people,
            "actor": actor,
            "action": action,
            "actions": presentation.action_choices(
                AuditEvent.objects.for_org(request.org).values_list("action", flat=True).distinct()
            ),
            "section": "settings",
        },
    )


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invitation link: a new employee sets a password (single-use, like a reset link)."""

    form_class = ResetSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        from kabinet.accounts import services

        with transaction.atomic():
            services.password_change(
                user=form.user, new_password=form.cleaned_data["new_password1"], request=self.request
            )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("The password is set. Sign in with your phone and password."))
        return HttpResponseRedirect(self.get_success_url())
