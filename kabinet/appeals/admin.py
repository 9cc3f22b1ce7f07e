from datetime import timedelta
from functools import partial
from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts.models import User
from kabinet.appeals import selectors, services
from kabinet.appeals.display import topic_field_rows
from kabinet.appeals.models import (
    OPEN_STATUSES,
    STAFF_TRANSITIONS,
    Appeal,
    AppealComment,
    AppealCounter,
    AppealStatus,
    AppealStatusChange,
    AppealTopic,
    ReplyTemplate,
    StaffNote,
)
from kabinet.core.admin_site import Waiting, add_waiting
from kabinet.core.files import check_upload
from kabinet.core.net import Origin
from kabinet.core.phones import format_phone
from kabinet.documents.models import Document


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    template = "admin/edit_inline/tabular_readonly.html"

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
        days = self.value()
        if days in {"1", "3", "7"}:
            return queryset.filter(created_at__lt=timezone.now() - timedelta(days=int(days)))
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The work queue: the same conditions as the counters above the list."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("new", _("New")),
            ("in_progress", _("In progress")),
            ("waiting", _("Waiting for the client")),
            ("overdue", _("Overdue")),
            ("mine", _("Assigned to me")),
            ("unassigned", _("Not assigned")),
            ("open", _("All open")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if queue := self.value():
            return selectors.apply_queue(queryset, queue, request.user)
        return queryset


class TemplateSelect(forms.Select):
    """Reply templates with their text in `data-body`, for static/js/admin-appeal.js to fill the message."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-body"] = instance.body
        return option


class AppealStaffForm(forms.ModelForm):
    """What staff do with a request: assign it, move it (allowed transitions only), write to the client
    (from a reply template or not), attach the answer, leave an internal note."""

    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )
    new_status = forms.ChoiceField(label=_("Change the status to"), required=False)
    reply_template = forms.ModelChoiceField(
        label=_("Reply template"),
        queryset=ReplyTemplate.objects.filter(is_active=True),
        required=False,
        widget=TemplateSelect(attrs={"data-confirm": _("Replace the typed message with the template?")}),
        help_text=_("Fills in the message; you can edit it before saving."),
    )
    comment = forms.CharField(
        label=_("Message to the client"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    answer_file = forms.FileField(label=_("Answer document"), required=False)
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the lessor's staff only; the client never sees it."),
    )

    class Meta:
        model = Appeal
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STAFF_TRANSITIONS.get(self.instance.status, set()) if self.instance.pk else set()
        cast(forms.ChoiceField, self.fields["new_status"]).choices = [("", "—")] + [
            (s.value, s.label) for s in AppealStatus if s.value in allowed
        ]
        self.fields["assignee"].initial = self.instance.assignee_id

    def clean_answer_file(self):
        uploaded = self.cleaned_data.get("answer_file")
        if uploaded:
            check_upload(uploaded)
        return uploaded

    def clean(self):
        super().clean()
        data = self.cleaned_data
        # Without JavaScript a chosen template is the message when none was typed.
        if data.get("reply_template") and not (data.get("comment") or "").strip():
            data["comment"] = data["reply_template"].body
        return data


class StaffNoteInline(ReadOnlyInline):
    model = StaffNote
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    verbose_name_plural = _("internal notes (the client does not see them)")


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "position", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("title", "body")


@admin.register(StaffNote)
class StaffNoteAdmin(admin.ModelAdmin):
    list_display = ("appeal", "author", "created_at")
    search_fields = ("appeal__number", "body")
    list_select_related = ("appeal", "author")
    readonly_fields = ("appeal", "author", "body", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(AppealTopic)
class AppealTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    form = AppealStaffForm
    list_display = ("number", "kind", "topic", "organization", "contract", "status", "assignee", "created_at")
    list_filter = (QueueFilter, "status", "kind", "product", AgeFilter, "topic", "assignee")
    search_fields = ("number", "description", "organization__name", "organization__inn", "contract__number")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "contract", "topic", "assignee")
    change_list_template = "admin/appeals/appeal/change_list.html"
    actions = ["assign_to_me", "unassign"]
    readonly_fields = (
        "number",
        "organization",
        "kind",
        "topic",
        "contract",
        "product",
        "full_name",
        "phone_display",
        "description",
        "topic_fields",
        "client_files",
        "status",
        "status_changed_at",
        "created_by",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": readonly_fields}),
        (
            _("Work on the request"),
            {"fields": ("assignee", "new_status", "reply_template", "comment", "answer_file", "internal_note")},
        ),
    )
    inlines = [AppealStatusChangeInline, AppealCommentInline, StaffNoteInline]

    class Media:
        js = ("js/admin-appeal.js",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("phone"))
    def phone_display(self, obj):
        return format_phone(obj.phone) if obj.phone else "—"

    @admin.display(description=_("topic fields"))
    def topic_fields(self, obj):
        rows = topic_field_rows(obj)
        if not rows:
            return "—"
        return format_html(
            '<dl class="kb-pairs">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        )

    @admin.display(description=_("client's files"))
    def client_files(self, obj):
        files = list(
            Document.objects.for_org_id(obj.organization_id)
            .filter(appeal=obj, direction=Document.Direction.UPLOADED)
            .order_by("created_at", "id")
        )
        if not files:
            return _("The client attached no files.")
        return format_html(
            '<ul class="kb-files">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}" download>{}</a> <span class="kb-muted">{}, {}</span></li>',
                (
                    (
                        reverse("admin:documents_document_download", args=[d.pk]),
                        d.original_name or d.title,
                        filesizeformat(d.size),
                        f"{timezone.localtime(d.created_at):%d.%m.%Y %H:%M}",
                    )
                    for d in files
                ),
            ),
        )

    def changelist_view(self, request, extra_context=None):
        counts = selectors.queue_counts(request.user)
        queue = [
            ("new", _("New"), counts["new"]),
            ("in_progress", _("In progress"), counts["in_progress"]),
            ("waiting", _("Waiting for the client"), counts["waiting"]),
            ("overdue", _("Overdue"), counts["overdue"]),
            ("mine", _("Assigned to me"), counts["mine"]),
        ]
        context = {
            "queue": queue,
            "queue_current": request.GET.get("queue", ""),
            "response_hours": settings.APPEAL_RESPONSE_HOURS,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    @admin.action(permissions=["change"], description=_("Assign the selected requests to me"))
    def assign_to_me(self, request, queryset):
        done = services.appeal_assign(
            appeal_ids=list(queryset.values_list("pk", flat=True)),
            assignee=request.user,
            staff=request.user,
            origin=Origin.of(request),
        )
        self.message_user(
            request, ngettext("%(n)d request assigned to you.", "%(n)d requests assigned to you.", done) % {"n": done}
        )

    @admin.action(permissions=["change"], description=_("Remove the assignee"))
    def unassign(self, request, queryset):
        done = services.appeal_assign(
            appeal_ids=list(queryset.values_list("pk", flat=True)),
            assignee=None,
            staff=request.user,
            origin=Origin.of(request),
        )
        self.message_user(
            request,
            ngettext("%(n)d request has no assignee now.", "%(n)d requests have no assignee now.", done) % {"n": done},
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if "assignee" in form.changed_data:
                services.appeal_assign(
                    appeal_ids=[obj.pk], assignee=data.get("assignee"), staff=request.user, origin=Origin.of(request)
                )
            if data.get("internal_note", "").strip():
                services.appeal_staff_note(appeal_id=obj.pk, staff=request.user, body=data["internal_note"])
            if data.get("new_status"):
                services.appeal_change_status(
                    appeal_id=obj.pk,
                    to_status=data["new_status"],
                    actor=request.user,
                    comment=data.get("comment", ""),
                    answer_file=data.get("answer_file"),
                    origin=Origin.of(request),
                )
            elif data.get("comment") or data.get("answer_file"):
                services.appeal_staff_comment(
                    appeal_id=obj.pk,
                    staff=request.user,
                    body=data.get("comment", ""),
                    answer_file=data.get("answer_file"),
                    origin=Origin.of(request),
                )
        except (services.TransitionRefused, ValidationError) as exc:
            messages.error(request, "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


@admin.register(AppealStatusChange)
class AppealStatusChangeAdmin(admin.ModelAdmin):
    """The history is written by services; staff read it here."""

    list_display: tuple[str, ...] = ("appeal", "from_status", "to_status", "changed_by", "created_at")
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


# What waits on the back office home: the same conditions as the queue filter the counts link to.
def _queue_count(queue: str) -> int:
    return selectors.apply_queue(Appeal.objects.unscoped(), queue).count()


for _queue, _label, _alert in (("unassigned", _("Not assigned"), False), ("overdue", _("Overdue"), True)):
    add_waiting(
        Waiting("requests", _label, "appeals.appeal", f"queue={_queue}", partial(_queue_count, _queue), alert=_alert)
    )
