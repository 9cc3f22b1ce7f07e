from django.contrib import admin

from kabinet.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "user", "organization", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "body", "user__full_name", "user__phone", "organization__name")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "organization")
    list_select_related = ("user", "organization")
