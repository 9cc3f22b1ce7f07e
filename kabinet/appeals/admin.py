from django.contrib import admin

from kabinet.appeals.models import Appeal, AppealStatusChange, AppealTopic


class AppealStatusChangeInline(admin.TabularInline):
    model = AppealStatusChange
    extra = 0
    fields = ("created_at", "from_status", "to_status", "comment", "changed_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AppealTopic)
class AppealTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "topic", "organization", "contract", "status", "created_at")
    list_filter = ("status", "kind", "product", "topic")
    search_fields = ("number", "description", "organization__name", "organization__inn", "contract__number")
    date_hierarchy = "created_at"
    autocomplete_fields = ["organization"]
    raw_id_fields = ("contract", "created_by")
    readonly_fields = ("status", "status_changed_at", "created_at")
    list_select_related = ("organization", "contract", "topic")
    inlines = [AppealStatusChangeInline]


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
