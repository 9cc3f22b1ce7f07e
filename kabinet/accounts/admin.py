from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts import personal_data, services
from kabinet.accounts.models import (
    Consent,
    ConsentDocument,
    ConsentWithdrawal,
    DataRequest,
    PhoneChallenge,
    Registration,
    SignInFailure,
    SmsMessage,
    User,
)
from kabinet.accounts.tasks import deliver_sms
from kabinet.core.phones import format_phone


class KabinetUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "full_name", "email")


class KabinetUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = KabinetUserChangeForm
    add_form = KabinetUserCreationForm
    ordering = ("full_name",)
    list_display = ("full_name", "phone", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("full_name", "phone", "email")
    inlines: list = []  # the user's memberships: added by kabinet.organizations.admin (a floor above)
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Personal data"), {"fields": ("full_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "full_name", "email", "password1", "password2")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and logs: staff read them, nobody edits or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the client will read it)"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("company_name", "inn", "full_name", "phone", "kind", "status", "created_at", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("company_name", "inn", "full_name", "phone", "email")
    date_hierarchy = "created_at"
    readonly_fields = [
        {"company_data": "company_data_display", "phone": "phone_display"}.get(f.name, f.name)
        for f in Registration._meta.fields
        if f.name not in ("password",)
    ]
    exclude = ("password", "company_data", "phone")
    actions = ["approve", "reject"]
    list_select_related = ("user", "organization")
    change_form_template = "admin/accounts/registration/change_form.html"

    @admin.display(description=_("phone"))
    def phone_display(self, obj):
        return format_phone(str(obj.phone)) if obj.phone else "—"

    @admin.display(description=_("company data"))
    def company_data_display(self, obj):
        data = obj.company_data or {}
        labels = {
            "inn": _("INN"),
            "name": _("name"),
            "full_name": _("full name of the company"),
            "kpp": _("KPP"),
            "ogrn": _("OGRN"),
            "director": _("director"),
            "legal_address": _("legal address"),
            "okved_code": _("OKVED code"),
            "okved_name": _("main activity"),
            "active": _("active in the registry"),
        }
        rows = []
        for key, value in data.items():
            if value in ("", None):
                continue
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            rows.append((labels.get(key, key), value))
        if not rows:
            return "—"
        return format_html('<dl class="kb-pairs">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_one),
                name="accounts_registration_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_one),
                name="accounts_registration_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self.get_object(request, object_id)
        context = {
            "can_decide": registration is not None
            and registration.status == Registration.Status.AWAITING_APPROVAL
            and self.has_change_permission(request, registration),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _decision_target(self, request, pk):
        registration = get_object_or_404(Registration, pk=pk)
        if not self.has_change_permission(request, registration):
            raise PermissionDenied
        return registration

    def approve_one(self, request, pk: int):
        """«Одобрить» on the registration page itself (POST only)."""
        registration = self._decision_target(request, pk)
        if request.method != "POST":
            return redirect("admin:accounts_registration_change", pk)
        try:
            services.registration_approve(registration_id=registration.pk, staff=request.user, request=request)
        except services.ServiceError as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(request, _("The registration request was approved."), messages.SUCCESS)
        return redirect("admin:accounts_registration_change", pk)

    def reject_one(self, request, pk: int):
        """«Отклонить» on the registration page itself: asks for the reason the client will read."""
        registration = self._decision_target(request, pk)
        form = RejectForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.registration_reject(
                    registration_id=registration.pk,
                    staff=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except services.ServiceError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, _("The registration request was rejected."), messages.SUCCESS)
            return redirect("admin:accounts_registration_change", pk)
        return TemplateResponse(
            request,
            "admin/accounts/registration/reject_one.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "registration": registration,
                "opts": self.model._meta,
                "title": _("Reject the registration request"),
            },
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve the selected requests"))
    def approve(self, request, queryset):
        done = 0
        for registration in queryset:
            try:
                services.registration_approve(registration_id=registration.pk, staff=request.user, request=request)
                done += 1
            except services.ServiceError as exc:
                self.message_user(request, f"{registration}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request, ngettext("%(n)d request approved.", "%(n)d requests approved.", done) % {"n": done}
            )

    @admin.action(description=_("Reject the selected requests…"))
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done = 0
            for registration in queryset:
                try:
                    services.registration_reject(
                        registration_id=registration.pk,
                        staff=request.user,
                        reason=form.cleaned_data["reason"],
                        request=request,
                    )
                    done += 1
                except services.ServiceError as exc:
                    self.message_user(request, f"{registration}: {exc.message}", messages.WARNING)
            if done:
                self.message_user(
                    request, ngettext("%(n)d request rejected.", "%(n)d requests rejected.", done) % {"n": done}
                )
            return None
        return TemplateResponse(
            request,
            "admin/accounts/registration/reject.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "registrations": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "title": _("Reject the requests"),
            },
        )


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """A published text is never edited: a change is a new version, and users are asked again."""

    list_display = ("kind", "version", "title", "published_at")
    list_filter = ("kind",)
    search_fields = ("title", "text")

    def has_change_permission(self, request, obj=None):
        if obj is not None and Consent.objects.filter(document=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not Consent.objects.filter(document=obj).exists()


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("phone", "kind", "version", "accepted_at", "ip", "user", "registration")
    list_filter = ("kind", "version")
    search_fields = ("phone", "user__full_name", "text_sha256")
    date_hierarchy = "accepted_at"
    list_select_related = ("user", "registration")


@admin.register(PhoneChallenge)
class PhoneChallengeAdmin(ReadOnlyAdmin):
    list_display = ("phone", "purpose", "created_at", "expires_at", "attempts", "confirmed_at", "ip")
    list_filter = ("purpose",)
    search_fields = ("phone", "ip")
    date_hierarchy = "created_at"
    exclude = ("salt", "code_hash")


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ("phone", "status", "attempts", "last_error", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("phone", "provider_id")
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.action(description=_("Send the selected SMS again"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(status=SmsMessage.Status.FAILED).values_list("pk", flat=True))
        SmsMessage.objects.filter(pk__in=ids).update(status=SmsMessage.Status.QUEUED, enqueued_at=timezone.now())
        for pk in ids:
            deliver_sms.enqueue(pk)
        self.message_user(request, ngettext("%(n)d SMS queued.", "%(n)d SMS queued.", len(ids)) % {"n": len(ids)})


@admin.register(SignInFailure)
class SignInFailureAdmin(ReadOnlyAdmin):
    list_display = ("phone_key", "ip", "created_at")
    search_fields = ("phone_key", "ip")
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        # Staff may lift a lock-out for a client who called the support line.
        return True


@admin.register(ConsentWithdrawal)
class ConsentWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("consent", "withdrawn_at", "ip")
    search_fields = ("consent__phone", "consent__user__full_name")
    date_hierarchy = "withdrawn_at"
    list_select_related = ("consent",)


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """Deletion requests (152-FZ): staff execute them here; the act goes to the request and the audit."""

    list_display = ("__str__", "requester", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("requester", "reason", "act")
    date_hierarchy = "created_at"
    readonly_fields = ("user", "requester", "reason", "status", "created_at", "decided_by", "decided_at", "act")
    change_form_template = "admin/accounts/datarequest/change_form.html"
    list_select_related = ("decided_by",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/execute/",
                self.admin_site.admin_view(self.execute_view),
                name="accounts_datarequest_execute",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = {
            "can_execute": obj is not None
            and obj.status == DataRequest.Status.NEW
            and self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def execute_view(self, request, pk: int):
        data_request = get_object_or_404(DataRequest, pk=pk)
        if not self.has_change_permission(request, data_request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                personal_data.deletion_execute(data_request_id=pk, staff=request.user, request=request)
            except personal_data.PersonalDataError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, _("The personal data is deleted; the act is in the audit."))
        return redirect("admin:accounts_datarequest_change", pk)
