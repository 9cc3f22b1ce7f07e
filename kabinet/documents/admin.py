from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.contracts.models import Contract
from kabinet.core.files import serve_private_file
from kabinet.core.net import Origin
from kabinet.documents.forms import MultipleFileField
from kabinet.documents.models import Document
from kabinet.documents.services import clean_filename, documents_publish
from kabinet.documents.tasks import extract_text
from kabinet.organizations.models import Organization


class PublishForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.order_by("name"))
    contract_number = forms.CharField(
        label=_("Contract number"),
        required=False,
        help_text=_("Empty: the documents belong to the organization as a whole."),
    )
    category = forms.ChoiceField(label=_("Kind of document"), choices=Document.Category.choices)
    doc_type = forms.CharField(label=_("Document type"), max_length=128)
    document_date = forms.DateField(
        label=_("Document date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]  # a field, not BaseForm.files

    def clean(self):
        super().clean()
        data = self.cleaned_data
        number = (data.get("contract_number") or "").strip()
        data["contract"] = None
        if number and data.get("organization"):
            contract = Contract.objects.for_org(data["organization"]).filter(number=number).first()
            if contract is None:
                self.add_error("contract_number", _("The organization has no contract with this number."))
            data["contract"] = contract
        return data


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
    exclude = ("text",)
    list_select_related = ("organization", "contract")
    change_list_template = "admin/documents/document/change_list.html"

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data and obj.file:
            obj.original_name = obj.original_name or clean_filename(obj.file.name)
            obj.size = obj.file.size
        super().save_model(request, obj, form, change)
        # The text and the search index follow the file, as for documents arriving any other way.
        transaction.on_commit(lambda: extract_text.enqueue(obj.pk))

    def get_urls(self):
        return [
            path("publish/", self.admin_site.admin_view(self.publish_view), name="documents_document_publish"),
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="documents_document_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        """Staff download any document (a client's attachment to a request, say) from the back office."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(Document, pk=pk)
        return serve_private_file(document.file, document.original_name or document.title, document.content_type)

    def publish_view(self, request):
        """Publish several files at once to an organization or one of its contracts."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = PublishForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                documents = documents_publish(
                    org=data["organization"],
                    contract=data["contract"],
                    files=data["files"],
                    doc_type=data["doc_type"],
                    category=data["category"],
                    document_date=data["document_date"],
                    staff=request.user,
                    origin=Origin.of(request),
                )
            except ValidationError as exc:
                form.add_error("files", exc)
            else:
                self.message_user(request, _("Published: %(n)d.") % {"n": len(documents)}, messages.SUCCESS)
                return redirect("admin:documents_document_changelist")
        return TemplateResponse(
            request,
            "admin/documents/document/publish.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                "title": _("Publish documents"),
            },
        )
