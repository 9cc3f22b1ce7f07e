"""Logging configuration: plain lines for `make run`, one JSON object a line in production.

Both go through structlog's ProcessorFormatter, so a record from Django's own `logging` calls and
one from `structlog.get_logger()` carry the same bound context (request id, user id, task id).
"""

from __future__ import annotations

import logging

import structlog

from kabinet.core import logcontext
from kabinet.core.redact import redact

_QUIET = ("weasyprint", "fontTools", "fontTools.subset")


class RedactRequestFilter(logging.Filter):
    """Django's own error lines name the request's path («Internal Server Error: /calendar/<token>.ics»)
    and carry the request (its repr names the path again): both without the URL's secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        request = getattr(record, "request", None)
        if request is not None:
            record.request = redact(f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}")
        return True


def _shared_processors() -> list:
    return [
        logcontext.merge,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


def kabinet_logging(log_format: str, level: str) -> dict:
    """The LOGGING dict for `log_format` ("plain" or "json"); also configures structlog itself."""
    shared = _shared_processors()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if log_format == "json":
        renderer = [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer(ensure_ascii=False)]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=False)]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "kabinet": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
                "foreign_pre_chain": shared,
            }
        },
        "filters": {"redact": {"()": RedactRequestFilter}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kabinet"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
            **{name: {"level": "WARNING"} for name in _QUIET},
            # The request line (kabinet.core.requestlog) already says «404» or «403»: Django's own line
            # for each 4xx would be a second line per request. Its errors (5xx, with the traceback) stay.
            "django.request": {"level": "ERROR", "filters": ["redact"]},
            "django.security": {"filters": ["redact"]},
        },
    }
