from django.contrib import admin

from kabinet.support.models import SupportAttachment, SupportMessage, SupportThread


class SupportMessageInline(admin.StackedInline):
    model = SupportMessage
    extra = 0
    fields = ("author", "from_staff", "body", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author",)


@admin.register(SupportThread)
class SupportThreadAdmin(admin.ModelAdmin):
    list_display = ("number", "topic", "organization", "author", "status", "last_message_at")
    list_filter = ("status",)
    search_fields = ("number", "topic", "organization__name", "organization__inn", "author__full_name")
    date_hierarchy = "last_message_at"
    autocomplete_fields = ["organization"]
    raw_id_fields = ("author",)
    list_select_related = ("organization", "author")
    inlines = [SupportMessageInline]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in instances:
            obj.organization_id = form.instance.organization_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


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
