from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.appeals import services
from kabinet.appeals.models import (
    OPEN_STATUSES,
    STAFF_TRANSITIONS,
    Appeal,
    AppealComment,
    AppealCounter,
    AppealStatus,
    AppealStatusChange,
    AppealTopic,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppealStatusChangeInline(ReadOnlyInline):
    model = AppealStatusChange
    fields = ("created_at", "from_status", "to_status", "comment", "changed_by")
    readonly_fields = fields


class AppealCommentInline(ReadOnlyInline):
    model = AppealComment
    fields = ("created_at", "from_staff", "author", "body")
    readonly_fields = fields


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("1", _("older than a day")), ("3", _("older than 3 days")), ("7", _("older than a week"))]

    def queryset(self, request, queryset):
        if self.value() in {"1", "3", "7"}:
            return queryset.filter(created_at__lt=timezone.now() - timedelta(days=int(self.value())))
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("open", _("New and open")), ("new", _("New only"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "new":
            return queryset.filter(status=AppealStatus.SENT)
        return queryset


class AppealStaffForm(forms.ModelForm):
    """What staff do with a request: move it (allowed transitions only), write to the client, attach the answer."""

    new_status = forms.ChoiceField(label=_("Change the status to"), required=False)
    comment = forms.CharField(
        label=_("Message to the client"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer_file = forms.FileField(label=_("Answer document"), required=False)

    class Meta:
        model = Appeal
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STAFF_TRANSITIONS.get(self.instance.status, set()) if self.instance.pk else set()
        self.fields["new_status"].choices = [("", "—")] + [
            (s.value, s.label) for s in AppealStatus if s.value in allowed
        ]

    def clean_answer_file(self):
        uploaded = self.cleaned_data.get("answer_file")
        if uploaded:
            from kabinet.documents.services import validate_upload

            validate_upload(uploaded)
        return uploaded


@admin.register(AppealTopic)
class AppealTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    form = AppealStaffForm
    list_display = ("number", "kind", "topic", "organization", "contract", "status", "created_at")
    list_filter = (OpenFilter, "status", "kind", "product", AgeFilter, "topic")
    search_fields = ("number", "description", "organization__name", "organization__inn", "contract__number")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "contract", "topic")
    readonly_fields = (
        "number",
        "organization",
        "kind",
        "topic",
        "contract",
        "product",
        "full_name",
        "phone",
        "description",
        "data",
        "status",
        "status_changed_at",
        "created_by",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": readonly_fields}),
        (_("Work on the request"), {"fields": ("new_status", "comment", "answer_file")}),
    )
    inlines = [AppealStatusChangeInline, AppealCommentInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if data.get("new_status"):
                services.appeal_change_status(
                    appeal_id=obj.pk,
                    to_status=data["new_status"],
                    actor=request.user,
                    comment=data.get("comment", ""),
                    answer_file=data.get("answer_file"),
                    request=request,
                )
            elif data.get("comment") or data.get("answer_file"):
                services.appeal_staff_comment(
                    appeal_id=obj.pk,
                    staff=request.user,
                    body=data.get("comment", ""),
                    answer_file=data.get("answer_file"),
                    request=request,
                )
        except (services.TransitionRefused, ValidationError) as exc:
            messages.error(request, str(exc))


@admin.register(AppealStatusChange)
class AppealStatusChangeAdmin(admin.ModelAdmin):
    """The history is written by services; staff read it here."""

    list_display = ("appeal", "from_status", "to_status", "changed_by", "created_at")
    list_filter = ("to_status",)
    search_fields = ("appeal__number", "comment")
    date_hierarchy = "created_at"
    list_select_related = ("appeal", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppealComment)
class AppealCommentAdmin(AppealStatusChangeAdmin):
    list_display = ("appeal", "from_staff", "author", "created_at")
    list_filter = ("from_staff",)
    search_fields = ("appeal__number", "body")
    list_select_related = ("appeal", "author")


@admin.register(AppealCounter)
class AppealCounterAdmin(admin.ModelAdmin):
    list_display = ("name", "last_number")
    search_fields = ("name",)
    readonly_fields = ("name", "last_number")

    def has_add_permission(self, request):
        return False
