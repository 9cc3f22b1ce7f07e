"""Logging configuration: plain lines for `make run`, one JSON object a line in production.

Both go through structlog's ProcessorFormatter, so a record from Django's own `logging` calls and
one from `structlog.get_logger()` carry the same bound context (request id, user id, task id).
"""

from __future__ import annotations

import structlog

_QUIET = ("weasyprint", "fontTools", "fontTools.subset")


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
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
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kabinet"}},
        "root": {"handlers": ["console"], "level": level},
        # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
        "loggers": {name: {"level": "WARNING"} for name in _QUIET},
    }
