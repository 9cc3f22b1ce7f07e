"""Handing private files to their owner: the only way media leaves the server.

`serve_private_file` streams the file itself, hands the transfer to nginx (`X-Accel-Redirect`), or
redirects to a short-lived presigned S3 URL, by `settings.PRIVATE_FILES_DELIVERY`. Every answer says
`attachment` with the original (Cyrillic) name per RFC 6266/5987, `nosniff` and `private, no-store`.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

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
