"""Files in and out: the one check of what a person uploads, and the only way media leaves the server.

Uploads (documents, requests, support, the back office's answers) all pass `check_upload` — the size
limit, then the kind recognised by the first bytes (not by the name) against the allow-list — and a
form with several files `check_uploads`, which also enforces the count limit and reports every bad
file at once. `clean_filename` is the name shown and downloaded with.

`serve_private_file` streams the file itself, hands the transfer to nginx (`X-Accel-Redirect`), or
redirects to a short-lived presigned S3 URL, by `settings.PRIVATE_FILES_DELIVERY`. Every answer says
`attachment` with the original (Cyrillic) name per RFC 6266/5987, `nosniff` and `private, no-store`.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

# What a client may upload, recognised by the first bytes of the file, not by its name.
SIGNATURES = [
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", {".doc", ".xls"}),
]
OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# The file chooser's filter (`accept`), the same list as the check above.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def clean_filename(name: str) -> str:
    """The name to show and to download with: no path, no control characters, no NUL, at most 150 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    stem, ext = posixpath.splitext(name)
    stem, ext = stem[:140].strip(), ext[:10].lower()
    return (stem or _("document")) + ext


def sniff(uploaded) -> str:
    """The content type of an upload, checked by its content; refuses anything not on the allow-list."""
    name = clean_filename(uploaded.name)
    ext = posixpath.splitext(name)[1].lower()
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if not head:
        raise ValidationError(_("The file «%(name)s» is empty.") % {"name": name}, code="empty")
    for magic, content_type, extensions in SIGNATURES:
        if head.startswith(magic):
            if ext not in extensions:
                break
            return content_type
    else:
        if head.startswith(b"PK\x03\x04") and ext in OOXML:
            prefix, content_type = OOXML[ext]
            try:
                with zipfile.ZipFile(uploaded) as archive:
                    names = archive.namelist()
            except zipfile.BadZipFile:
                names = []
            finally:
                uploaded.seek(0)
            if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                return content_type
    raise ValidationError(
        _("«%(name)s»: this kind of file is not accepted. Send PDF, JPEG, PNG, DOC(X) or XLS(X).") % {"name": name},
        code="type",
    )


def check_upload(uploaded) -> str:
    """The upload's content type, or a `ValidationError` naming the file (too large, empty, wrong kind)."""
    if uploaded.size > settings.DOCUMENT_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("«%(name)s» is larger than %(mb)d MB.")
            % {"name": clean_filename(uploaded.name), "mb": settings.DOCUMENT_UPLOAD_MAX_BYTES // 2**20},
            code="size",
        )
    return sniff(uploaded)


def check_file_count(count: int) -> None:
    """At most `DOCUMENT_UPLOAD_MAX_FILES` files in one submission."""
    if count > settings.DOCUMENT_UPLOAD_MAX_FILES:
        raise ValidationError(
            _("At most %(n)d files at a time.") % {"n": settings.DOCUMENT_UPLOAD_MAX_FILES}, code="too_many"
        )


def check_uploads(files: Iterable) -> list[str]:
    """The content types of several uploads, in order; every bad file's message in one `ValidationError`."""
    files = list(files or [])
    check_file_count(len(files))
    if sum(f.size or 0 for f in files) > settings.DOCUMENT_UPLOAD_MAX_TOTAL_BYTES:
        raise ValidationError(
            _("All the files together may take at most %(mb)d MB; send them in several goes.")
            % {"mb": settings.DOCUMENT_UPLOAD_MAX_TOTAL_BYTES // 2**20},
            code="too_large",
        )
    content_types, problems = [], []
    for uploaded in files:
        try:
            content_types.append(check_upload(uploaded))
        except ValidationError as exc:
            problems.extend(exc.error_list)
    if problems:
        raise ValidationError(problems)
    return content_types


# --- out --------------------------------------------------------------------------------------------

R = TypeVar("R", bound=HttpResponseBase)


def _secure(response: R, filename: str, *, inline: bool = False) -> R:
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def bytes_response(content: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    return _secure(HttpResponse(content, content_type=content_type), filename, inline=inline)


def serve_private_file(file, filename: str, content_type: str = "application/octet-stream") -> HttpResponseBase:
    mode = settings.PRIVATE_FILES_DELIVERY
    if mode == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_FILES_X_ACCEL_PREFIX.rstrip("/") + "/" + file.name
        return _secure(response, filename)
    if mode == "s3-presigned":
        # The storage signs a URL valid for a minute, with the download headers baked in.
        url = file.storage.url(
            file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
            },
            expire=60,
        )
        return _secure(HttpResponseRedirect(url), filename)
    return _secure(FileResponse(file.open("rb"), content_type=content_type), filename)
