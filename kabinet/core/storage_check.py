"""Which stored files the database names but the storage lacks (a restore of the database without its
files, a bucket emptied, a media folder on the wrong disk).

Every FileField of the portal's models is walked: documents, invoices' PDFs, attachments, templates,
rules, facsimiles, held uploads. `manage.py verify_storage` checks every row; `/readyz` checks only the
newest row of each model, so a process whose storage is not the one its database was written with is
taken out of the load balancer instead of answering 500 on every download.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("kabinet."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.append((model, field))
    return found


def _rows(model: type[models.Model], field: models.FileField) -> models.QuerySet:
    queryset = model._default_manager.all()
    if hasattr(queryset, "unscoped"):
        queryset = queryset.unscoped()  # every organization's files: an operator's check, not a client's read
    return queryset.exclude(**{f"{field.name}__isnull": True}).exclude(**{field.name: ""})


def missing_files() -> Iterator[tuple[str, object, str, Storage]]:
    """(model label, primary key, file name, the field's storage) of every row whose file is missing."""
    for model, field in file_fields():
        for pk, name in _rows(model, field).values_list("pk", field.name).order_by("pk").iterator(chunk_size=2000):
            if not field.storage.exists(name):
                yield model._meta.label, pk, name, field.storage


def newest_missing() -> list[str]:
    """The models whose newest stored file is missing."""
    missing = []
    for model, field in file_fields():
        name = _rows(model, field).order_by("-pk").values_list(field.name, flat=True).first()
        if name and not field.storage.exists(name):
            missing.append(model._meta.label)
    return missing
