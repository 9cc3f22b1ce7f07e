from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts.admin import UserAdmin
from kabinet.organizations.models import Invitation, Membership, Organization, RegistryCompany, SettlementAccount
from kabinet.organizations.services.registry import REGISTRY_COLUMNS, registry_company_save, registry_import_csv


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ("user", "role", "status", "created_at")
    readonly_fields = ("created_at",)


class UserMembershipInline(admin.TabularInline):
    """A user's memberships on the user's page (accounts is a floor below organizations and cannot name them)."""

    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ("organization", "role", "status", "created_at")
    readonly_fields = ("created_at",)


UserAdmin.inlines = [*UserAdmin.inlines, UserMembershipInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "ogrn", "director", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "full_name", "inn", "ogrn", "director", "external_id")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MembershipInline]
    actions = ["approve"]

    @admin.action(permissions=["change"], description=_("Approve the selected organizations"))
    def approve(self, request, queryset):
        updated = queryset.update(status=Organization.Status.ACTIVE)
        self.message_user(
            request,
            ngettext("%(count)d organization approved.", "%(count)d organizations approved.", updated)
            % {"count": updated},
        )


class SettlementAccountInline(admin.TabularInline):
    """The client's own bank accounts: the payer of the payment orders it downloads for its bank."""

    model = SettlementAccount
    extra = 0
    fields = ("bank_name", "bank_city", "bic", "account", "correspondent_account", "is_default")


OrganizationAdmin.inlines = [*OrganizationAdmin.inlines, SettlementAccountInline]


@admin.register(SettlementAccount)
class SettlementAccountAdmin(admin.ModelAdmin):
    list_display = ("account", "bank_name", "bic", "organization", "is_default")
    search_fields = ("account", "bank_name", "bic", "organization__name", "organization__inn")
    autocomplete_fields = ["organization"]
    list_select_related = ("organization",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "status", "created_at")
    list_filter = ("role", "status")
    search_fields = ("user__full_name", "user__phone", "organization__name", "organization__inn")
    autocomplete_fields = ["user", "organization"]
    list_select_related = ("user", "organization")


class RegistryImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, separated by ; or ,, with a header row."))


@admin.register(RegistryCompany)
class RegistryCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "ogrn", "director", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "full_name", "inn", "ogrn", "director")
    exclude = ("search_name",)
    change_list_template = "admin/organizations/registrycompany/change_list.html"

    def save_model(self, request, obj, form, change):
        registry_company_save(company=obj)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="organizations_registrycompany_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = RegistryImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1251")
            result = registry_import_csv(text=text)
            if not result.errors:
                self.message_user(
                    request,
                    _("Registry loaded: %(created)d added, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                    messages.SUCCESS,
                )
                return redirect("admin:organizations_registrycompany_changelist")
            errors = result.errors
        return TemplateResponse(
            request,
            "admin/organizations/registrycompany/import.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "errors": errors,
                "columns": REGISTRY_COLUMNS,
                "opts": self.model._meta,
                "title": _("Load the registry from CSV"),
            },
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent and answered in the portal; staff see them here."""

    list_display = ("phone", "organization", "role", "status", "invited_by", "created_at", "decided_at")
    list_filter = ("status", "role")
    search_fields = ("phone", "organization__name", "organization__inn")
    list_select_related = ("organization", "invited_by")
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False
