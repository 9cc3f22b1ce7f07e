"""HTML → PDF with WeasyPrint, for the documents the portal issues (invoices, statements).

The stylesheet is a file passed to WeasyPrint, so the templates carry no inline styles.
"""

from __future__ import annotations

import base64
import mimetypes
import threading
from pathlib import Path

from django.core.files.storage import default_storage

STYLESHEET = Path(__file__).with_name("pdf.css")


_engine = threading.local()


def _stylesheet_and_fonts():
    """WeasyPrint's HTML class, the parsed stylesheet and the font configuration, made once per thread and
    reused by every PDF (parsing the stylesheet and setting the fonts up cost more than a one-page layout's
    share). Per thread: a font configuration holds a Pango font map, which is not shared between threads."""
    made = getattr(_engine, "made", None)
    if made is None:
        import weasyprint.text.fonts  # reason: a heavy import (~1 s), paid only by the first PDF

        fonts = weasyprint.text.fonts.FontConfiguration()
        stylesheet = weasyprint.CSS(filename=str(STYLESHEET), font_config=fonts)
        made = _engine.made = (weasyprint.HTML, stylesheet, fonts)
    return made


def html_to_pdf(html: str) -> bytes:
    html_class, stylesheet, fonts = _stylesheet_and_fonts()
    return html_class(string=html).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def warm_up() -> None:
    """Import WeasyPrint, load the fonts and lay one page out, so that a server process's first PDF
    (an invoice issued by a client) does not pay it: called by gunicorn as each worker starts."""
    html_to_pdf("<p>Счёт</p>")


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
