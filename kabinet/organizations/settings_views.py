"""«Настройки» (§8): the organization card, employees and access, change history."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.accounts import selectors as account_selectors
from kabinet.accounts.forms import PHONE_ATTRS, clean_phone_value
from kabinet.accounts.models import User
from kabinet.accounts.services import ServiceError
from kabinet.audit import presentation
from kabinet.audit.services import audit_record
from kabinet.core.access import (
    SUDO_FIELD,
    OrgRequest,
    get_object_for_org,
    org_required,
    role_required,
    sudo_fresh,
    sudo_grant,
)
from kabinet.core.net import Origin
from kabinet.core.phones import format_phone
from kabinet.core.views import page_numbers, paginate
from kabinet.organizations import exports, selectors
from kabinet.organizations.lookup import LookupError_, get_lookup
from kabinet.organizations.models import Invitation, Membership, SettlementAccount
from kabinet.organizations.services import accounts, employees, organizations

ROLE_HELP = {
    Membership.Role.ADMIN: gettext_lazy(
        "Administrator — has full access to all sections and requests. May add new employees and change their rights."
    ),
    Membership.Role.MANAGER: gettext_lazy(
        "Manager — has full access to all sections and requests. Cannot add new employees or change their rights."
    ),
}


class EmployeeForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=255)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=Membership.Role.choices,
        widget=forms.Select(attrs={"aria-describedby": "role-help"}),  # what each role may do, under the field
    )

    def __init__(self, *args, needs_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_password:
            self.fields[SUDO_FIELD] = forms.CharField(
                label=gettext_lazy("Your password"),
                required=False,
                strip=False,
                help_text=gettext_lazy("Changing employees needs your password (once every 15 minutes)."),
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data["phone"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, required=False)
    status = forms.ChoiceField(choices=Membership.Status.choices, required=False)


class SettlementAccountForm(forms.ModelForm):
    """The client's bank account as the organization card edits it; the model checks the requisites."""

    class Meta:
        model = SettlementAccount
        fields = ["bank_name", "bank_city", "bic", "account", "correspondent_account", "is_default"]
        widgets = {
            "bic": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 9, "autocomplete": "off"}),
            "account": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"}),
            "correspondent_account": forms.TextInput(
                attrs={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"}
            ),
            "is_default": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = f"account-{self.instance.pk}" if self.instance.pk else "account-new"
        self.auto_id = prefix + "-%s"

    def validate_unique(self) -> None:
        """Checked by the service (with the organization the form does not carry)."""


def _settings_context(request: OrgRequest, **extra: Any) -> dict[str, Any]:
    invitations = selectors.pending_invitations(request.org)
    account_forms = extra.pop("account_forms", {})
    bank_accounts = [
        (account, account_forms.get(account.pk) or SettlementAccountForm(instance=account))
        for account in selectors.settlement_accounts(request.org)
    ]
    return {
        "bank_accounts": bank_accounts,
        "account_form": extra.pop("account_form", None) or SettlementAccountForm(),
        "open_account": extra.pop("open_account", None),
        "org": request.org,
        "membership": request.membership,
        "members": selectors.members(request.org),
        "invitations": invitations if request.membership.is_admin else [],
        "join_staff_approval": settings.JOIN_STAFF_APPROVAL,
        "all_memberships": selectors.user_memberships(request.user),
        "employee_form": extra.pop(
            "employee_form",
            EmployeeForm(initial={"role": Membership.Role.MANAGER}, needs_password=not sudo_fresh(request)),
        ),
        "role_help": ROLE_HELP,
        "roles": Membership.Role.choices,
        "section": "settings",
        **extra,
    }


@org_required
def settings_page(request: OrgRequest) -> HttpResponse:
    return render(request, "organizations/settings.html", _settings_context(request))


def _account_saved(request: OrgRequest, form: SettlementAccountForm, account: SettlementAccount | None):
    if form.is_valid():
        try:
            accounts.account_save(
                org=request.org, data=form.cleaned_data, account=account, actor=request.user, origin=Origin.of(request)
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, _("The bank account is saved."))
            return redirect(reverse("organizations:settings") + "#bank-accounts")
    if account is None:
        extra: dict[str, Any] = {"account_form": form, "open_account": "new"}
    else:
        extra = {"account_forms": {account.pk: form}, "open_account": account.pk}
    return render(request, "organizations/settings.html", _settings_context(request, **extra), status=400)


@org_required
@require_POST
def account_add(request: OrgRequest) -> HttpResponse:
    """Add a bank account of the organization (the payer of payment orders)."""
    return _account_saved(request, SettlementAccountForm(request.POST), None)


@org_required
@require_POST
def account_update(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_for_org(SettlementAccount, request.org, pk=pk)
    # The form writes what was typed into its instance while checking: the service gets the stored one.
    form = SettlementAccountForm(request.POST, instance=get_object_for_org(SettlementAccount, request.org, pk=pk))
    return _account_saved(request, form, account)


@org_required
@require_POST
def account_remove(request: OrgRequest, pk: int) -> HttpResponse:
    account = get_object_for_org(SettlementAccount, request.org, pk=pk)
    accounts.account_remove(org=request.org, account=account, actor=request.user, origin=Origin.of(request))
    messages.success(request, _("The bank account is removed."))
    return redirect(reverse("organizations:settings") + "#bank-accounts")


@org_required
@require_POST
def refresh_from_registry(request: OrgRequest) -> HttpResponse:
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
            origin=Origin.of(request),
        )
    messages.success(request, _("The data is refreshed from the registry."))
    return redirect("organizations:settings")


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def second_factor(request: OrgRequest) -> HttpResponse:
    """Require a second sign-in factor (a passkey or an SMS code) of every member, or stop requiring it."""
    required = request.POST.get("second_factor_required") == "on"
    organizations.organization_second_factor_set(
        org=request.org, actor=request.user, required=required, origin=Origin.of(request)
    )
    if required:
        messages.success(request, _("From the next sign-in every employee confirms it with a passkey or an SMS code."))
    else:
        messages.success(request, _("A second sign-in factor is no longer required."))
    return redirect("organizations:settings")


@org_required
def confirm_password(request: OrgRequest) -> HttpResponse:
    """Ask for the password again before employee changes (at most once every 15 minutes)."""
    error = ""
    target = request.POST.get("next") or request.GET.get("next") or reverse("organizations:settings")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("organizations:settings")
    if request.method == "POST":
        if request.user.check_password(request.POST.get("password", "")):
            sudo_grant(request)
            return HttpResponseRedirect(target)
        error = _("The password is wrong.")
    return render(
        request, "organizations/confirm_password.html", {"error": error, "next": target, "section": "settings"}
    )


@role_required(Membership.Role.ADMIN, sudo=True, password_in_form=True)
@require_POST
def employee_add(request: OrgRequest) -> HttpResponse:
    # Only these fields are read: a smuggled «organization» or anything else is ignored.
    form = EmployeeForm(request.POST, needs_password=bool(request.sudo_error))
    if form.is_valid() and request.sudo_error:
        form.add_error(SUDO_FIELD, request.sudo_error)
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
                origin=Origin.of(request),
            )
        except employees.EmployeeError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(
                request,
                _("The invitation is sent. The employee gets access after accepting it."),
            )
            return redirect("organizations:settings")
    if request.sudo_error and SUDO_FIELD not in form.errors:
        form.add_error(SUDO_FIELD, request.sudo_error)  # the other errors are shown too, the password is asked
    return render(
        request,
        "organizations/settings.html",
        _settings_context(request, employee_form=form, open_dialog=True),
        status=400,
    )


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def employee_update(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_for_org(Membership, request.org, pk=pk)
    form = RoleForm(request.POST)
    form.is_valid()
    try:
        if membership.status == Membership.Status.REQUESTED:
            # A «Запрос на добавление» is decided by «Принять» / «Отклонить», never by the status select.
            raise employees.EmployeeError(_("Approve or decline the request to join first."))
        if form.cleaned_data.get("role") and form.cleaned_data["role"] != membership.role:
            employees.employee_change_role(
                org=request.org,
                actor=request.user,
                membership_id=membership.pk,
                role=form.cleaned_data["role"],
                origin=Origin.of(request),
            )
        if form.cleaned_data.get("status") and form.cleaned_data["status"] != membership.status:
            employees.employee_set_status(
                org=request.org,
                actor=request.user,
                membership_id=membership.pk,
                status=form.cleaned_data["status"],
                origin=Origin.of(request),
            )
    except employees.EmployeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("organizations:settings")


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def join_request_decide(request: OrgRequest, pk: int) -> HttpResponse:
    """«Принять» / «Отклонить» a «Запрос на добавление»."""
    membership = get_object_for_org(Membership, request.org, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        result = employees.join_request_decide(
            org=request.org, actor=request.user, membership_id=membership.pk, approve=approve, origin=Origin.of(request)
        )
    except employees.EmployeeError as exc:
        messages.error(request, exc.message)
    else:
        if not approve:
            messages.success(request, _("The request to join is declined."))
        elif result is not None and result.status == Membership.Status.ACTIVE:
            messages.success(request, _("The request to join is approved: the employee is active."))
        else:
            messages.success(request, _("The request to join is approved and sent to the lessor's staff."))
    return redirect("organizations:settings")


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def invitation_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    get_object_for_org(Invitation, request.org, pk=pk, status=Invitation.Status.PENDING)
    try:
        employees.invitation_revoke(org=request.org, actor=request.user, invitation_id=pk, origin=Origin.of(request))
    except Invitation.DoesNotExist:  # revoked or accepted a moment ago
        raise Http404 from None
    messages.success(request, _("The invitation is revoked."))
    return redirect("organizations:settings")


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def invitation_resend(request: OrgRequest, pk: int) -> HttpResponse:
    """«Отправить приглашение повторно»: a new link replaces the old one (limited, see the service)."""
    get_object_for_org(Invitation, request.org, pk=pk, status=Invitation.Status.PENDING)
    try:
        invitation = employees.invitation_resend(
            org=request.org,
            actor=request.user,
            invitation_id=pk,
            origin=Origin.of(request),
        )
    except Invitation.DoesNotExist:  # revoked or accepted a moment ago
        raise Http404 from None
    except employees.ResendTooSoon as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The invitation is sent again to %(phone)s; the previous link no longer works.")
            % {"phone": format_phone(invitation.phone)},
        )
    return redirect("organizations:settings")


@role_required(Membership.Role.ADMIN, sudo=True)
@require_POST
def employee_remove(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_for_org(Membership, request.org, pk=pk)
    try:
        employees.employee_remove(
            org=request.org, actor=request.user, membership_id=membership.pk, origin=Origin.of(request)
        )
    except employees.EmployeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The employee is removed."))
    return redirect("organizations:settings")


class HistoryFilterForm(forms.Form):
    """The filters of «История изменений»: by person and by kind of change (the view reads the values)."""

    actor = forms.ChoiceField(label=gettext_lazy("Who"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)

    def __init__(self, *args, people=(), actions=(), **kwargs):
        kwargs.setdefault("auto_id", "h-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor"]).choices = [("", _("Everybody"))] + [
            (m.user_id, m.user.full_name or m.user.phone_display) for m in people
        ]
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("All changes")), *actions]


def _history_events(request: OrgRequest):
    """The history's filters from the URL, shared by the page and its Excel export."""
    actor = request.GET.get("actor", "")
    return selectors.history_events(
        request.org, actor_id=int(actor) if actor.isdigit() else None, action=request.GET.get("action", "")
    )


@org_required
def history_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«История изменений» as Excel, with the filters of the page (a GET that writes nothing)."""
    creditor = request.creditor
    return exports.history_xlsx(
        request.org, _history_events(request), creditor_name=creditor.short_name if creditor else ""
    )


@org_required
def history(request: OrgRequest) -> HttpResponse:
    """«История изменений»: who changed what in the organization, and when; filters by person and type."""
    people = list(selectors.members(request.org))
    page = paginate(request, _history_events(request))
    creditor = request.creditor
    creditor_name = creditor.short_name if creditor else ""
    related = presentation.related_names(page.object_list)
    rows = [
        {
            "event": e,
            "who": presentation.actor_label(e, creditor_name),
            "what": presentation.action_label(e.action),
            "sentence": presentation.describe_sentence(e),
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
            "form": HistoryFilterForm(
                request.GET or None,
                people=people,
                actions=presentation.action_choices(selectors.history_actions(request.org)),
            ),
            "section": "settings",
        },
    )


class InvitationAcceptForm(forms.Form):
    phone = ""  # the invited phone, set by the view (the password must not resemble it)

    code = forms.CharField(label=gettext_lazy("Code from the SMS"), max_length=8)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=255)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    new_password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters, not only digits."),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I accept the user agreement and consent to the processing of my personal data")
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The passwords do not match."))
        elif p1:
            probe = User(phone=self.phone, full_name=data.get("full_name", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


def _challenge_key(invitation) -> str:
    return f"kabinet_invitation_challenge_{invitation.pk}"


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation to a phone that has no account yet. First the code goes to the invited
    phone (only its owner can read it); then the person sets their name, e-mail and password."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "organizations/invitation_invalid.html", status=404)
    if account_selectors.phone_has_account(str(invitation.phone)):
        # The phone has an account: the invitation is answered after signing in as its owner.
        return redirect("organizations:invitations")
    challenge_id = request.session.get(_challenge_key(invitation))
    form = InvitationAcceptForm(initial={"full_name": invitation.full_name, "email": invitation.email})
    form.phone = str(invitation.phone)
    error = ""
    if request.method == "POST" and request.POST.get("action") == "send_code":
        try:
            challenge = employees.invitation_send_code(invitation=invitation, origin=Origin.of(request))
        except ServiceError as exc:
            error = exc.message
        else:
            request.session[_challenge_key(invitation)] = challenge_id = challenge.pk
    elif request.method == "POST":
        form = InvitationAcceptForm(request.POST)
        form.phone = str(invitation.phone)
        if form.is_valid() and challenge_id:
            data = form.cleaned_data
            try:
                employees.invitation_accept_new(
                    token=token,
                    challenge_id=challenge_id,
                    code=data["code"],
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["new_password1"],
                    origin=Origin.of(request),
                )
            except employees.EmployeeError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                request.session.pop(_challenge_key(invitation), None)
                messages.success(request, _("The invitation is accepted. Sign in with your phone and password."))
                return redirect("accounts:login")
        elif not challenge_id:
            error = _("Request a code first.")
    return render(
        request,
        "organizations/invitation_accept.html",
        {"invitation": invitation, "form": form, "code_sent": bool(challenge_id), "error": error},
        status=400 if request.method == "POST" and (error or form.errors) else 200,
    )
