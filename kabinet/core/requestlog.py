"""One structured log line per request, bound and cheap, with the request id the proxy gave.

The line (`event="request"`) carries the method, the path with URL secrets redacted (kabinet.core.redact),
the status, the time taken, the user id when the request resolved one, and the request id. The id comes
from `X-Request-ID` only when the request came through one of TRUSTED_PROXIES (nginx makes one per
request) and looks like an id; otherwise a new one is made, so a client cannot forge the id every log
line and queued task carries. Every field is cut to a fixed length; the query string is not logged
(it may carry what the user searched for). The id is sent back as `X-Request-ID`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kabinet.core import logcontext
from kabinet.core.net import trusted_proxy
from kabinet.core.redact import redact

logger = structlog.get_logger("kabinet.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PATH_MAX = 200


def request_id_of(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if given and _REQUEST_ID.fullmatch(given) and trusted_proxy(request.META.get("REMOTE_ADDR", "")):
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = request_id_of(request)
        logcontext.clear()
        logcontext.bind(request_id=request_id)
        try:
            response = self.get_response(request)
            # The user is read only if the request already resolved it (no session read for a probe).
            user = getattr(request, "_cached_user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            status = response.status_code
            logger.log(
                40 if status >= 500 else 30 if status >= 400 and status != 404 else 20,
                "request",
                method=request.method[:10] if request.method else "",
                path=redact(request.path)[:PATH_MAX],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                user_id=user_id,
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            logcontext.clear()

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Lines the view logs carry the user id too; the middlewares above have resolved the user by now.
        user = getattr(request, "_cached_user", None)
        if user is not None and user.is_authenticated:
            logcontext.bind(user_id=user.pk)
        return None
