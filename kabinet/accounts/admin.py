from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts import services
from kabinet.accounts.models import (
    Consent,
    ConsentDocument,
    ConsentWithdrawal,
    DataRequest,
    Passkey,
    PhoneChallenge,
    SignInFailure,
    SmsMessage,
    User,
    UserSession,
)
from kabinet.accounts.tasks import deliver_sms
from kabinet.core.net import Origin


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
    inlines: list = []  # type: ignore[misc]  # the user's memberships: added by kabinet.organizations.admin (a floor above)
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
        if obj is not None and Consent.objects.filter(document=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


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

    def has_retry_permission(self, request):
        # The log itself stays read-only; sending again is its own right, given by «change SMS».
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.action(permissions=["retry"], description=_("Send the selected SMS again"))
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
        # Staff with the right to delete it may lift a lock-out for a client who called the support line.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(Passkey)
class PasskeyAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    search_fields = ("user__phone", "user__full_name", "name")
    list_select_related = ("user",)
    exclude = ("credential_id", "public_key")

    def has_delete_permission(self, request, obj=None):
        # Staff with the right may remove a lost device's passkey for a client who called the support line.
        return request.user.has_perm("accounts.delete_passkey")


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """Signed-in sessions (what «Профиль» lists to their user); ended by the user, not here."""

    list_display = ("user", "ip", "created", "last_seen")
    search_fields = ("user__phone", "user__full_name", "ip")
    list_select_related = ("user",)
    exclude = ("session_key",)


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
                services.deletion_execute(data_request_id=pk, staff=request.user, origin=Origin.of(request))
            except services.PersonalDataError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, _("The personal data is deleted; the act is in the audit."))
        return redirect("admin:accounts_datarequest_change", pk)
