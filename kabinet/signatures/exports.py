"""The copy «с листом подписания»: the original PDF's pages unchanged, then one page that lists each
signature (who, when in Moscow time, the file's SHA-256) with a QR code to the public verification page.

The stored file is read, never written: the copy is made on each download. WeasyPrint draws the sheet
(`core.pdf.html_to_pdf`), pypdfium2 appends it (`PdfDocument.import_pages`) as an incremental update, so the
copy begins with the original's exact bytes. The signing page shows the PDF's pages as PNG pictures
(`page_png`).
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pypdfium2
import pypdfium2.raw as pypdfium2_raw
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from kabinet.accounts.services import ServiceError
from kabinet.core.links import absolute_url
from kabinet.core.pdf import html_to_pdf
from kabinet.core.qr import qr_png_data_uri
from kabinet.signatures.models import SignatureRequest

MOSCOW = ZoneInfo("Europe/Moscow")


def signing_sheet_rows(request: SignatureRequest) -> list[dict]:
    """Each signature as the sheet and the verification page show it (Moscow time; UTC kept in the record)."""
    return [
        {
            "name": s.signer_name,
            "signed_at": s.signed_at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S"),
            "signed_at_utc": s.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "sha256": s.document_sha256,
            "agreement_version": s.agreement_version,
        }
        for s in request.signatures.order_by("signed_at", "id")
    ]


def signing_sheet_pdf(request: SignatureRequest) -> bytes:
    """The signing sheet alone, one A4 page."""
    url = absolute_url("signatures:verify", request.public_id)
    html = render_to_string(
        "signatures/signing_sheet.html",
        {
            "request": request,
            "document": request.document,
            "rows": signing_sheet_rows(request),
            "verify_url": url,
            "qr": qr_png_data_uri(url),
        },
    )
    return html_to_pdf(html)


def signed_copy_pdf(request: SignatureRequest) -> bytes:
    """The original PDF with the signing sheet appended as its last page."""
    document = request.document
    if not request.signatures.exists():
        raise ServiceError(_("The document has no signatures yet."))
    with document.file.open("rb") as handle:
        original_bytes = handle.read()
    try:
        original = pypdfium2.PdfDocument(original_bytes)
    except pypdfium2.PdfiumError as exc:
        raise ServiceError(_("A copy with a signing sheet is made for PDF files only.")) from exc
    sheet = pypdfium2.PdfDocument(signing_sheet_pdf(request))
    try:
        original.import_pages(sheet)
        out = io.BytesIO()
        # An incremental update: the original file's bytes stay the copy's first bytes, so the verification
        # page can check a downloaded copy too (the SHA-256 of its first `document.size` bytes).
        original.save(out, flags=pypdfium2_raw.FPDF_INCREMENTAL)
    finally:
        sheet.close()
        original.close()
    return out.getvalue()


def _open_pdf(document) -> pypdfium2.PdfDocument | None:
    with document.file.open("rb") as handle:
        content = handle.read()
    try:
        return pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return None


def page_count(document) -> int:
    """How many pages the signing page shows (0: not a PDF, the file is downloaded instead)."""
    pdf = _open_pdf(document)
    if pdf is None:
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


# The width of a page's picture, in pixels: sharp on a 1440 px screen, scaled down on a phone.
PAGE_WIDTH = 1100


def page_png(document, index: int) -> bytes | None:
    """One page of the PDF drawn as a PNG (the signing page shows pictures, not an inline PDF: framing is
    denied and phones show none); None when there is no such page."""
    pdf = _open_pdf(document)
    if pdf is None:
        return None
    try:
        if not 0 <= index < len(pdf):
            return None
        page = pdf[index]
        width = page.get_width() or 1
        bitmap = page.render(scale=PAGE_WIDTH / width)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        pdf.close()
