from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.models import User
from kabinet.organizations.models import Membership


class KabinetUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "full_name", "email")


class KabinetUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ("organization", "role", "status", "created_at")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = KabinetUserChangeForm
    add_form = KabinetUserCreationForm
    ordering = ("full_name",)
    list_display = ("full_name", "phone", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("full_name", "phone", "email")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Personal data"), {"fields": ("full_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "full_name", "email", "password1", "password2")}),
    )
