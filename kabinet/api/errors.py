"""Errors of the API in one machine-readable shape: {"field": ["reason", …]} or {"detail": "…"}."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."}, status=413)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": "Too many fields in the request."}, status=413)
    return drf_handler(exc, context)
