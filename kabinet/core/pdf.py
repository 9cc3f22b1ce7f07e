"""HTML → PDF with WeasyPrint, for the documents the portal issues (invoices, statements).

The stylesheet is a file passed to WeasyPrint, so the templates carry no inline styles.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from django.core.files.storage import default_storage

STYLESHEET = Path(__file__).with_name("pdf.css")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML  # reason: a heavy import (~1 s), paid only by the first PDF

    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


def stored_image_data_uri(name: str) -> str:
    """A private stored image (a facsimile) as a data: URI for the PDF; empty when it is gone."""
    if not name:
        return ""

    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError):
        return ""
    kind = mimetypes.guess_type(name)[0] or "image/png"
    return f"data:{kind};base64," + base64.b64encode(content).decode("ascii")
