from django.contrib import admin

from kabinet.creditors.models import Creditor, Product


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ("name", "description", "position", "external_id")


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "inn", "kpp", "bank_name", "bic", "is_default")
    list_filter = ("is_default",)
    search_fields = ("name", "short_name", "inn", "external_id")
    inlines = [ProductInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "creditor", "position", "external_id")
    list_filter = ("creditor",)
    search_fields = ("name", "external_id")
    list_select_related = ("creditor",)
