import json

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from kabinet.core.models import HeldUpload, JobRun, SchedulerRun


@admin.register(HeldUpload)
class HeldUploadAdmin(admin.ModelAdmin):
    """Files kept after form errors until their author sends the form again (purged hourly)."""

    list_display = ("original_name", "organization", "user", "size", "created_at")
    search_fields = ("original_name", "organization__name", "user__full_name")
    list_select_related = ("organization", "user")
    exclude = ("file",)
    readonly_fields = ("original_name", "organization", "user", "content_type", "size", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "run_on", "created_at")
    list_filter = ("name",)
    search_fields = ("name",)
    date_hierarchy = "run_on"


@admin.register(SchedulerRun)
class SchedulerRunAdmin(admin.ModelAdmin):
    """Every run of a periodic job with its outcome: read-only, pruned after SCHEDULER_RUNS_KEEP_DAYS."""

    list_display = ("name", "slot", "outcome", "started_at", "finished_at", "error", "runner")
    list_filter = ("outcome", "name")
    search_fields = ("name", "error")
    date_hierarchy = "slot"
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


TASK_STATUS = {
    "READY": _("Ready to run"),
    "RUNNING": _("Running"),
    "FAILED": _("Failed"),
    "SUCCESSFUL": _("Done"),
}


def _when(value):
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}" if value else "—"


class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's admin with Russian column names and statuses."""

    list_display = ("id", "task_title", "status_label", "enqueued", "started", "finished", "priority_value", "queue")
    list_filter = ()  # type: ignore[assignment]  # none, where the base has three
    fields = readonly_fields = (
        "id",
        "task_title",
        "status_label",
        "enqueued",
        "started",
        "finished",
        "display_run_after",
        "priority_value",
        "queue",
        "arguments",
        "result",
        "error",
        "formatted_traceback",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("task"))
    def task_title(self, obj):
        return obj.task_path

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return TASK_STATUS.get(obj.status, obj.status)

    @admin.display(description=_("enqueued at"), ordering="enqueued_at")
    def enqueued(self, obj):
        return _when(obj.enqueued_at)

    @admin.display(description=_("started at"))
    def started(self, obj):
        return _when(obj.started_at)

    @admin.display(description=_("finished at"))
    def finished(self, obj):
        return _when(obj.finished_at)

    @admin.display(description=_("priority"))
    def priority_value(self, obj):
        return obj.priority

    @admin.display(description=_("queue"))
    def queue(self, obj):
        return obj.queue_name

    @admin.display(description=_("arguments"))
    def arguments(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.args_kwargs, ensure_ascii=False, indent=2))

    @admin.display(description=_("result"))
    def result(self, obj):
        return "—" if obj.return_value is None else json.dumps(obj.return_value, ensure_ascii=False)

    @admin.display(description=_("error"))
    def error(self, obj):
        return obj.exception_class_path or "—"

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj):
        value = super().display_run_after(obj)
        return _when(value) if hasattr(value, "tzinfo") else value


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
