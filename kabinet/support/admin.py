from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_site import Waiting, add_waiting
from kabinet.core.files import check_uploads
from kabinet.core.net import Origin
from kabinet.documents.forms import MultipleFileField
from kabinet.support import services
from kabinet.support.models import SupportAttachment, SupportMessage, SupportThread, SupportThreadRead


class ThreadStaffForm(forms.ModelForm):
    reply = forms.CharField(label=_("Answer to the client"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reply_files = MultipleFileField(
        label=_("Files to the answer"),
        required=False,
        help_text=_("PDF, images, Word or Excel; the client downloads them from the chat."),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("reply_files") and not data.get("reply"):
            self.add_error("reply", _("Write the answer the files go with."))
        try:
            check_uploads(data.get("reply_files") or [])
        except forms.ValidationError as exc:
            self.add_error("reply_files", exc)
        return data

    class Meta:
        model = SupportThread
        fields = ["status"]


class SupportMessageInline(admin.StackedInline):
    model = SupportMessage
    extra = 0
    fields = ("author", "from_staff", "body", "created_at", "files")
    readonly_fields = fields

    @admin.display(description=_("Files"))
    def files(self, obj):
        return ", ".join(a.original_name for a in obj.attachments.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").prefetch_related("attachments")

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SupportThread)
class SupportThreadAdmin(admin.ModelAdmin):
    form = ThreadStaffForm
    list_display = ("number", "topic", "organization", "author", "status", "last_message_at")
    list_filter = ("status",)
    readonly_fields = ("number", "topic", "organization", "author", "last_message_at")
    fields = ("number", "topic", "organization", "author", "last_message_at", "status", "reply", "reply_files")
    search_fields = ("number", "topic", "organization__name", "organization__inn", "author__full_name")
    date_hierarchy = "last_message_at"
    autocomplete_fields = ["organization"]
    raw_id_fields = ("author",)
    list_select_related = ("organization", "author")
    inlines = [SupportMessageInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("reply"):
            services.thread_staff_reply(
                thread_id=obj.pk,
                staff=request.user,
                body=form.cleaned_data["reply"],
                files=form.cleaned_data.get("reply_files") or [],
                origin=Origin.of(request),
            )


@admin.register(SupportMessage)
class SupportMessageAdmin(admin.ModelAdmin):
    list_display = ("thread", "author", "from_staff", "created_at")
    list_filter = ("from_staff",)
    search_fields = ("body", "thread__number", "thread__topic", "organization__name")
    date_hierarchy = "created_at"
    raw_id_fields = ("thread", "author", "organization")
    list_select_related = ("thread", "author")


@admin.register(SupportAttachment)
class SupportAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "message", "organization", "size", "created_at")
    search_fields = ("original_name", "organization__name")
    raw_id_fields = ("message", "organization")


@admin.register(SupportThreadRead)
class SupportThreadReadAdmin(admin.ModelAdmin):
    list_display = ("thread", "user", "last_read_at")
    search_fields = ("thread__number", "user__full_name")
    raw_id_fields = ("thread", "user")


add_waiting(
    Waiting(
        "support",
        _("Not answered"),
        "support.supportthread",
        f"status__exact={SupportThread.Status.OPEN}",
        lambda: SupportThread.objects.unscoped().filter(status=SupportThread.Status.OPEN).count(),
    )
)
