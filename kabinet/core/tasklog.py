"""Carry the request's log context (request id, user id) into the background tasks it queued.

django-structlog does this for Celery, and for `django.tasks` only on Django 6; this is the same
receiver for the `django_tasks` backport: the context is kept in the cache under the task's id when
the task is queued and bound again in the worker when it starts. With Redis configured the worker
sees it; with the local-memory cache of `make run` the worker logs the task id alone.
"""

from __future__ import annotations

import contextvars

import structlog
from django.core.cache import cache
from django_tasks.signals import task_enqueued, task_finished, task_started

from kabinet.core import logcontext

logger = structlog.get_logger("kabinet.tasks")
CONTEXT_TTL = 24 * 60 * 60
# The context before a task started (an immediate backend runs it inside the request): put back after.
_outer: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kabinet_task_outer_context", default=None)


def _key(task_id: str) -> str:
    return f"task-log-context:{task_id}"


def on_enqueued(sender, task_result, **kwargs):
    context = logcontext.get()
    if "task_id" in context:
        context["parent_task_id"] = context.pop("task_id")
    logger.info("task_enqueued", task_id=task_result.id, task=task_result.task.module_path)
    if context:
        try:
            cache.set(_key(task_result.id), context, CONTEXT_TTL)
        except Exception:
            logger.warning("task_log_context_not_saved", task_id=task_result.id)


def on_started(sender, task_result, **kwargs):
    _outer.set(logcontext.get())
    logcontext.clear()
    try:
        context = cache.get(_key(task_result.id)) or {}
    except Exception:
        context = {}
    logcontext.bind(**context, task_id=task_result.id)
    logger.info("task_started", task=task_result.task.module_path)


def on_finished(sender, task_result, **kwargs):
    logger.info("task_finished", task=task_result.task.module_path, status=str(task_result.status))
    logcontext.clear()
    outer = _outer.get()
    if outer:
        logcontext.bind(**outer)
    _outer.set(None)


def connect() -> None:
    task_enqueued.connect(on_enqueued, dispatch_uid="kabinet_task_enqueued")
    task_started.connect(on_started, dispatch_uid="kabinet_task_started")
    task_finished.connect(on_finished, dispatch_uid="kabinet_task_finished")
