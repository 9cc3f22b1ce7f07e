from django.contrib import admin

from kabinet.invoices.models import Invoice, InvoiceCounter


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "issued_on", "kind", "organization", "contract", "amount", "due_date")
    list_filter = ("kind", "creditor", "year")
    search_fields = ("number", "contract__number", "organization__name", "organization__inn", "purpose")
    date_hierarchy = "issued_on"
    list_select_related = ("organization", "contract")
    readonly_fields = [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(admin.ModelAdmin):
    list_display = ("creditor", "year", "last_number")
    list_filter = ("creditor", "year")
    search_fields = ("creditor__short_name",)
    readonly_fields = ("creditor", "year", "last_number")

    def has_add_permission(self, request):
        return False
