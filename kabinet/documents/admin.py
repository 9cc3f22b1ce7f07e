from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.contracts.models import Contract
from kabinet.core.files import serve_private_file, sniff
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


# The kind of a file in the words staff use («PDF», «Word»), by its checked content type.
FILE_KINDS = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/msword": "Word / Excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
}


class DocumentForm(forms.ModelForm):
    """The type and the size follow the file (checked by its content), never typed by hand; the
    name shown to the client is the file's own unless staff write another."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "original_name" in self.fields:
            self.fields["original_name"].required = False

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded and "file" in self.changed_data:
            self.instance.content_type = sniff(uploaded)  # a refused file: the error is shown at the field
        return uploaded


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentForm
    list_display = (
        "title",
        "doc_type",
        "category",
        "direction",
        "organization",
        "contract",
        "document_date",
        "file_info",
    )
    list_filter = ("direction", "category", "doc_type", "product", "text_status")
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
    readonly_fields = ("file_info", "created_at", "text_status")
    # Technical fields stay off the form: the type and size are shown in words (`file_info`), the
    # external id is the accounting system's key, set by the import.
    exclude = ("text", "content_type", "size", "external_id", "text_attempts", "text_tried_at")
    list_select_related = ("organization", "contract")
    change_list_template = "admin/documents/document/change_list.html"

    @admin.display(description=_("File type and size"))
    def file_info(self, obj):
        if not obj.pk or not obj.file:
            return "—"
        kind = FILE_KINDS.get(obj.content_type) or (obj.original_name or obj.file.name).rsplit(".", 1)[-1].upper()
        return f"{kind}, {filesizeformat(obj.size)}" if obj.size else kind

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data and obj.file:
            obj.original_name = obj.original_name or clean_filename(obj.file.name)
            obj.size = obj.file.size
            obj.text, obj.text_status = "", Document.TextStatus.PENDING  # read again from the new file
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
