from django.contrib import admin

from kabinet.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "run_on", "created_at")
    list_filter = ("name",)
    search_fields = ("name",)
    date_hierarchy = "run_on"
