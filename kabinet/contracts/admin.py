from django.contrib import admin

from kabinet.accounts.admin import ReadOnlyAdmin
from kabinet.contracts.models import (
    Adjustment,
    Allocation,
    BooksDebt,
    BuyoutValue,
    CalendarFeed,
    ClosingDocument,
    ClosingDocumentVat,
    Contract,
    DebtRow,
    DebtTotal,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
    PaymentReminder,
    Penalty,
    ScheduledPayment,
)
from kabinet.contracts.services import contract_status_notify
from kabinet.contracts.services.notices import contract_recorded
from kabinet.core.net import Origin


class LeasedItemInline(admin.TabularInline):
    model = LeasedItem
    extra = 0
    fields = ("make", "model", "vin", "plate", "year", "external_id")


class DebtInline(admin.TabularInline):
    model = BooksDebt
    extra = 0
    fields = ("amount", "penalty", "as_of")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "organization", "product", "status", "amount", "start_date", "end_date")
    list_filter = ("status", "product__creditor", "product")
    search_fields = ("number", "external_id", "organization__name", "organization__inn", "items__vin", "items__plate")
    autocomplete_fields = ["organization"]
    list_select_related = ("organization", "product")
    date_hierarchy = "start_date"
    inlines = [LeasedItemInline, DebtInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The company becomes the creditor's client (what the creditor's API tokens reach).
        obj.product.creditor.clients.add(obj.organization_id)
        if not change or form.changed_data:
            contract_recorded(contract=obj, created=not change)  # the client's own systems hear of it
        if change and "status" in form.changed_data:
            contract_status_notify(contract=obj, actor=request.user, origin=Origin.of(request))

    def save_formset(self, request, form, formset, change):
        # Child rows carry the organization of their contract (tenant key on every row).
        instances = formset.save(commit=False)
        for obj in instances:
            obj.organization_id = form.instance.organization_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True


class _ChildAdmin(admin.ModelAdmin):
    """Child rows take the organization of their contract."""

    def save_model(self, request, obj, form, change):
        obj.organization_id = obj.contract.organization_id
        super().save_model(request, obj, form, change)


@admin.register(LeasedItem)
class LeasedItemAdmin(_ChildAdmin):
    list_display = ("make", "model", "vin", "plate", "year", "contract", "organization")
    search_fields = ("vin", "plate", "make", "model", "contract__number")
    list_filter = ("make",)
    raw_id_fields = ("contract",)
    exclude = ("organization",)
    list_select_related = ("contract", "organization")


class _LedgerAdmin(_ChildAdmin):
    """The ledger is written by the books through the API (services keep its copies consistent);
    the back office reads it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduledPayment)
class ScheduledPaymentAdmin(_LedgerAdmin):
    list_display = ("contract", "number", "due_date", "amount", "vat_rate", "vat_amount", "paid_amount", "is_paid")
    list_filter = ("is_paid", "vat_rate")
    search_fields = ("contract__number", "organization__name")
    date_hierarchy = "due_date"
    raw_id_fields = ("contract",)
    exclude = ("organization",)
    list_select_related = ("contract",)


@admin.register(PaymentReceived)
class PaymentReceivedAdmin(_LedgerAdmin):
    list_display = ("external_id", "contract", "received_on", "amount", "document_number", "reversed_on")
    search_fields = ("external_id", "document_number", "contract__number", "organization__name")
    date_hierarchy = "received_on"
    list_select_related = ("contract",)


@admin.register(Allocation)
class AllocationAdmin(_LedgerAdmin):
    list_display = ("payment", "line", "penalty", "amount")
    search_fields = ("payment__external_id", "payment__contract__number")
    list_select_related = ("payment", "line", "penalty")


@admin.register(Penalty)
class PenaltyAdmin(_LedgerAdmin):
    list_display = ("external_id", "contract", "accrued_on", "amount", "paid_amount", "basis", "written_off_on")
    search_fields = ("external_id", "contract__number", "organization__name")
    date_hierarchy = "accrued_on"
    list_select_related = ("contract",)


@admin.register(Adjustment)
class AdjustmentAdmin(_LedgerAdmin):
    list_display = ("external_id", "contract", "date", "amount", "reason", "document_number", "removed_on")
    search_fields = ("external_id", "contract__number", "organization__name")
    date_hierarchy = "date"
    list_select_related = ("contract",)


@admin.register(BuyoutValue)
class BuyoutValueAdmin(_LedgerAdmin):
    list_display = ("contract", "on_date", "amount")
    search_fields = ("contract__number", "organization__name")
    list_select_related = ("contract",)


@admin.register(BooksDebt)
class DebtAdmin(_ChildAdmin):
    list_display = ("contract", "organization", "amount", "penalty", "as_of")
    search_fields = ("contract__number", "organization__name", "organization__inn")
    date_hierarchy = "as_of"
    raw_id_fields = ("contract",)
    exclude = ("organization",)
    list_select_related = ("contract", "organization")


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(_ChildAdmin):
    list_display = ("policy_number", "kind", "insurer", "contract", "start_date", "end_date", "status")
    list_filter = ("status", "kind", "insurer")
    search_fields = ("policy_number", "insurer", "contract__number")
    raw_id_fields = ("contract", "item")
    exclude = ("organization",)
    list_select_related = ("contract",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Staff see who subscribed and may end a subscription; the secret itself is never stored."""

    list_display = ("user", "organization", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__full_name", "user__phone", "organization__name", "organization__inn")
    list_select_related = ("user", "organization")
    readonly_fields = ("user", "organization", "created_at")
    fields = ("user", "organization", "created_at", "revoked_at")

    def has_add_permission(self, request):
        return False


@admin.register(PaymentReminder)
class PaymentReminderAdmin(ReadOnlyAdmin):
    """Who was reminded of which line, on which day and channel (the key that keeps a reminder from going twice);
    the delivery of each is on «Доставка уведомлений»."""

    list_display = ("sent_on", "user", "organization", "line", "offset", "channel", "digest")
    list_filter = ("channel", "offset", "digest")
    search_fields = ("user__full_name", "user__phone", "organization__name", "line__contract__number")
    date_hierarchy = "sent_on"
    list_select_related = ("user", "organization", "line__contract")
    raw_id_fields = ("user", "organization", "line", "sms_message", "telegram_message")


@admin.register(DebtRow)
class DebtRowAdmin(_LedgerAdmin):
    """The main page's overdue debt as the ledger keeps it (read only: `ledger/summary.py` writes it)."""

    list_display = ("contract", "organization", "creditor", "amount", "as_of")
    search_fields = ("contract__number", "organization__name", "organization__inn")
    list_filter = ("as_of",)
    list_select_related = ("contract", "organization", "creditor")


@admin.register(DebtTotal)
class DebtTotalAdmin(_LedgerAdmin):
    """The overdue debt's total and count per organization and creditor section (read only)."""

    list_display = ("organization", "creditor", "total", "count", "as_of")
    search_fields = ("organization__name", "organization__inn")
    list_filter = ("as_of",)
    list_select_related = ("organization", "creditor")


class ClosingDocumentVatInline(admin.TabularInline):
    model = ClosingDocumentVat
    extra = 0
    fields = ("rate", "amount", "vat")


@admin.register(ClosingDocument)
class ClosingDocumentAdmin(_ChildAdmin):
    """The books send closing documents through the API; staff see them and correct a mistyped field."""

    list_display = ("kind", "number", "date", "contract", "organization", "creditor", "amount", "pdf", "xml")
    list_filter = ("kind", "creditor")
    search_fields = ("number", "external_id", "contract__number", "organization__name", "organization__inn")
    date_hierarchy = "date"
    raw_id_fields = ("contract", "organization")
    list_select_related = ("contract", "organization", "creditor")
    inlines = [ClosingDocumentVatInline]

    def save_model(self, request, obj, form, change):
        if obj.contract_id:
            obj.organization_id = obj.contract.organization_id
        admin.ModelAdmin.save_model(self, request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in instances:
            obj.organization_id = form.instance.organization_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(ClosingDocumentVat)
class ClosingDocumentVatAdmin(admin.ModelAdmin):
    """VAT per rate of the closing documents: read here, edited on the document's own page."""

    list_display = ("document", "rate", "amount", "vat", "organization")
    list_filter = ("rate",)
    search_fields = ("document__number", "organization__name")
    raw_id_fields = ("document", "organization")
    list_select_related = ("document", "organization")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
