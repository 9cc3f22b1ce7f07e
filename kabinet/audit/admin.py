from django.contrib import admin

from kabinet.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: events are never edited or deleted."""

    list_display = ("created_at", "action", "object_repr", "actor", "actor_kind", "organization", "ip")
    list_filter = ("actor_kind", "action")
    search_fields = ("action", "object_repr", "object_id", "actor__full_name", "actor__phone", "organization__name")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "organization")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
