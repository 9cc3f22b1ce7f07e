from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.organizations.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ("user", "role", "status", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "ogrn", "director", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "full_name", "inn", "ogrn", "director", "external_id")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MembershipInline]
    actions = ["approve"]

    @admin.action(description=_("Approve the selected organizations"))
    def approve(self, request, queryset):
        updated = queryset.update(status=Organization.Status.ACTIVE)
        self.message_user(
            request,
            ngettext("%(count)d organization approved.", "%(count)d organizations approved.", updated)
            % {"count": updated},
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "status", "created_at")
    list_filter = ("role", "status")
    search_fields = ("user__full_name", "user__phone", "organization__name", "organization__inn")
    autocomplete_fields = ["user", "organization"]
    list_select_related = ("user", "organization")
