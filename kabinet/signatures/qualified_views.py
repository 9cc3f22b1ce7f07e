"""Pages of the qualified signature (КЭП): a document's КЭП block (the list and the upload of a `.sig`,
`signatures/_qualified.html`, included by the signing page too) and the download of a kept `.sig`.
Everything is the selected organization's: another organization's document or signature is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.accounts.services import ServiceError
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import serve_private_file
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.signatures.qualified_forms import QualifiedSignatureForm
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.signatures.qualified_services import FIELD, qualified_signature_upload, qualified_signatures_of


def qualified_context(document: Document, form: QualifiedSignatureForm | None = None) -> dict:
    """What `signatures/_qualified.html` needs: the document, its КЭП records and the upload form."""
    return {
        "document": document,
        "qualified_form": form or QualifiedSignatureForm(auto_id="kep-%s"),
        "qualified_signatures": list(qualified_signatures_of(document).select_related("uploaded_by")),
    }


@org_required
@require_http_methods(["GET", "POST"])
def qualified(request: OrgRequest, pk: int) -> HttpResponse:
    """A document's qualified signatures and «Подписать КЭП (файл .sig)»."""
    document = get_object_for_org(Document, request.org, pk=pk)
    if request.method != "POST":
        return render(request, "signatures/qualified.html", qualified_context(document))
    form = QualifiedSignatureForm(request.POST, request.FILES, auto_id="kep-%s")
    if form.is_valid():
        try:
            record = qualified_signature_upload(
                document=document,
                actor=request.user,
                upload=form.cleaned_data[FIELD],
                origin=Origin.of(request),
            )
        except ServiceError as exc:
            form.add_error(FIELD, exc.message)
        else:
            if record.verified:
                messages.success(
                    request, _("The qualified signature of %(owner)s is verified.") % {"owner": record.signer_name}
                )
                return HttpResponseRedirect(reverse("signatures:qualified", args=[document.pk]))
            form.add_error(FIELD, record.failure)
    return render(request, "signatures/qualified.html", qualified_context(document, form), status=400)


@org_required
@require_GET
def qualified_file(request: OrgRequest, pk: int) -> HttpResponseBase:
    """The kept `.sig`, for members of the owning organization only."""
    record = get_object_for_org(QualifiedSignature, request.org, pk=pk)
    return serve_private_file(record.signature_file, record.original_name, "application/pkcs7-signature")
