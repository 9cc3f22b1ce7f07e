from django.contrib import admin

from kabinet.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "doc_type", "category", "direction", "organization", "contract", "document_date", "size")
    list_filter = ("direction", "category", "doc_type", "product")
    search_fields = (
        "title",
        "original_name",
        "doc_type",
        "contract__number",
        "organization__name",
        "organization__inn",
    )
    date_hierarchy = "document_date"
    autocomplete_fields = ["organization"]
    raw_id_fields = ("contract", "appeal", "uploaded_by")
    readonly_fields = ("size", "content_type", "created_at")
    list_select_related = ("organization", "contract")
