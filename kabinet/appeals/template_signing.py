"""A request's template filled and signed in the portal instead of print-sign-scan.

The topic's template (a file staff attach to a request topic) is filled with the request's own data — the
organization, the request's number, contract and topic fields — and the text the client writes; WeasyPrint
draws the filled statement, and when the template is a PDF its pages follow it unchanged. The result is
attached to the request as the client's document and put «на подпись» (one signer, the simple electronic
signature by an SMS code); when it is signed, the copy with the signing sheet is attached to the request
too (`kabinet.signatures.services.signature_sign`).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
from django import forms
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.accounts.services import ServiceError
from kabinet.appeals.models import OPEN_STATUSES, Appeal
from kabinet.appeals.services import appeal_data_rows
from kabinet.audit.models import AuditEvent
from kabinet.core.net import Origin
from kabinet.core.pdf import html_to_pdf
from kabinet.documents.services import UploadInput, documents_upload
from kabinet.signatures import selectors as signature_selectors
from kabinet.signatures.models import SignatureRequest
from kabinet.signatures.services import signature_request_create

# The filled template waits this long for the signature.
SIGN_WITHIN = timedelta(days=7)


class TemplateFillForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the statement"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Write the text of the statement.")},
    )
    signer_position = forms.CharField(
        label=gettext_lazy("Signer's position"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("For example, «Генеральный директор»"),
    )


def can_fill(appeal: Appeal) -> bool:
    """The request's topic has a template and the request is still open."""
    return bool(appeal.topic_id and appeal.topic and appeal.topic.template) and appeal.status in OPEN_STATUSES


def _template_pdf(appeal: Appeal) -> pypdfium2.PdfDocument | None:
    """The topic's template when it is a PDF (a DOCX template is not appended: the statement stands alone)."""
    assert appeal.topic is not None
    with appeal.topic.template.open("rb") as handle:
        content = handle.read()
    try:
        return pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return None


def filled_pdf(appeal: Appeal, *, user, text: str, signer_position: str) -> bytes:
    """The filled statement, then the template's own pages when it is a PDF."""
    topic = appeal.topic
    assert topic is not None
    specs = {f.get("name"): f for f in (topic.extra_fields or [])}
    html = render_to_string(
        "appeals/template_filled.html",
        {
            "appeal": appeal,
            "org": appeal.organization,
            "topic": topic,
            "rows": appeal_data_rows(appeal.data, specs),
            "text": text,
            "signer": user.full_name or str(user.phone),
            "signer_position": signer_position,
            "today": timezone.localdate(),
        },
    )
    statement = html_to_pdf(html)
    template = _template_pdf(appeal)
    if template is None:
        return statement
    filled = pypdfium2.PdfDocument(statement)
    try:
        filled.import_pages(template)
        out = io.BytesIO()
        filled.save(out)
        return out.getvalue()
    finally:
        template.close()
        filled.close()


def template_fill_and_request(
    *, appeal: Appeal, user, text: str, signer_position: str = "", origin: Origin
) -> SignatureRequest:
    """Fill the request's template, attach it to the request and put it «на подпись» for the organization."""
    if not can_fill(appeal):
        raise ServiceError(_("This request has no template to fill, or it is already closed."))
    org = appeal.organization
    content = filled_pdf(appeal, user=user, text=text.strip(), signer_position=signer_position.strip())
    assert appeal.topic is not None
    name = f"{appeal.topic.name} — {appeal.number}.pdf".replace("/", "-")
    creditor = None
    if appeal.product_id is not None and appeal.product is not None:
        creditor = appeal.product.creditor
    elif appeal.contract_id is None:
        creditors = list(signature_selectors.creditors_of(org)[:2])
        creditor = creditors[0] if len(creditors) == 1 else None
    with transaction.atomic():
        (document,) = documents_upload(
            org=org,
            user=user,
            files=[ContentFile(content, name=name)],
            data=UploadInput(doc_type=appeal.topic.name[:128], contract=appeal.contract, appeal=appeal),
            origin=origin,
        )
        return signature_request_create(
            document=document,
            signers_required=1,
            deadline=timezone.now() + SIGN_WITHIN,
            actor=user,
            actor_kind=AuditEvent.ActorKind.USER,
            creditor=creditor,
            origin=origin,
        )
