"""The clients' uploaded reconciliation data and its comparisons with the books: read-only for the staff."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kabinet.statements.models import Reconciliation
from kabinet.statements.reconciliation import STATUS_LABELS


@admin.register(Reconciliation)
class ReconciliationAdmin(admin.ModelAdmin):
    list_display = ("filename", "organization", "contract", "start", "end", "status", "differences", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("filename", "organization__name", "organization__inn", "contract__number")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "contract")
    fields = (
        "organization",
        "creditor",
        "contract",
        "start",
        "end",
        "file",
        "filename",
        "kind",
        "mapping",
        "status",
        "differences",
        "compared_at",
        "created_by",
        "created_at",
        "result_lines",
    )
    readonly_fields = fields

    @admin.display(description=_("differences found"))
    def result_lines(self, obj: Reconciliation):
        lines = [line for line in (obj.result or {}).get("lines", []) if line.get("status") != "match"]
        if not lines:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} {}</li>",
                (
                    (
                        STATUS_LABELS.get(line["status"], line["status"]),
                        (line.get("books") or line.get("client") or {}).get("date", ""),
                        (line.get("books") or line.get("client") or {}).get("document", ""),
                    )
                    for line in lines
                ),
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
