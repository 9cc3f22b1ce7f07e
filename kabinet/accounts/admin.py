from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts import services
from kabinet.accounts.models import (
    Consent,
    ConsentDocument,
    PhoneChallenge,
    Registration,
    SignInFailure,
    SmsMessage,
    User,
)
from kabinet.organizations.models import Membership


class KabinetUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "full_name", "email")


class KabinetUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ("organization", "role", "status", "created_at")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = KabinetUserChangeForm
    add_form = KabinetUserCreationForm
    ordering = ("full_name",)
    list_display = ("full_name", "phone", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("full_name", "phone", "email")
    inlines = [MembershipInline]
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
    readonly_fields = [f.name for f in Registration._meta.fields if f.name not in ("password",)]
    exclude = ("password",)
    actions = ["approve", "reject"]
    list_select_related = ("user", "organization")

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
        from kabinet.accounts.tasks import deliver_sms

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
