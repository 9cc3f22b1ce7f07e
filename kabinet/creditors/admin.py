from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.creditors.models import Creditor, LeasingRulesEdition, Product


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ("name", "kind", "description", "position", "external_id")


class RulesInline(admin.TabularInline):
    model = LeasingRulesEdition
    extra = 0
    fields = ("title", "effective_from", "file", "original_name", "note")


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "inn", "kpp", "bank_name", "bic", "is_default")
    list_filter = ("is_default",)
    search_fields = ("name", "short_name", "inn", "external_id")
    inlines = [ProductInline, RulesInline]
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "name",
                    "short_name",
                    "legal_short_name",
                    "inn",
                    "kpp",
                    "ogrn",
                    "legal_address",
                    "is_default",
                    "external_id",
                )
            },
        ),
        (_("Clients"), {"fields": ("clients",)}),
        (_("Bank requisites"), {"fields": ("bank_name", "bic", "settlement_account", "correspondent_account")}),
        (
            _("Signatures on invoices and statements"),
            {"fields": ("director_name", "director_facsimile", "accountant_name", "accountant_facsimile")},
        ),
        (_("Contacts and appearance"), {"fields": ("phone", "email", "website", "shop_url", "accent_color", "memo")}),
        (_("Payment reminders"), {"fields": ("reminder_days",)}),
    ]
    autocomplete_fields = ["clients"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "creditor", "position", "external_id")
    list_filter = ("creditor", "kind")
    search_fields = ("name", "external_id")
    list_select_related = ("creditor",)


@admin.register(LeasingRulesEdition)
class LeasingRulesEditionAdmin(admin.ModelAdmin):
    list_display = ("title", "creditor", "effective_from", "original_name")
    list_filter = ("creditor",)
    search_fields = ("title", "note")
    date_hierarchy = "effective_from"

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data and obj.file:
            obj.original_name = obj.file.name.rsplit("/", 1)[-1]
        super().save_model(request, obj, form, change)
