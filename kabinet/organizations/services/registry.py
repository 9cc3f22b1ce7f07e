"""The local company registry: one company saved from the back office, or the whole registry loaded from
CSV (all rows checked before any is written)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.organizations.lookup import normalize_name
from kabinet.organizations.models import RegistryCompany

REGISTRY_COLUMNS = [
    "inn",
    "kpp",
    "ogrn",
    "name",
    "full_name",
    "director",
    "legal_address",
    "okved_code",
    "okved_name",
    "status",
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def registry_company_save(*, company: RegistryCompany) -> RegistryCompany:
    company.search_name = normalize_name(company.name)
    company.full_clean()
    company.save()
    return company


def registry_import_csv(*, text: str) -> ImportResult:
    """Load the local company registry from CSV (`;` or `,`, a header row with REGISTRY_COLUMNS).

    Every row is checked first; if any is wrong nothing is written and the errors name the lines.
    """
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    result = ImportResult()
    missing = {"inn", "name"} - set(reader.fieldnames or [])
    if missing:
        result.errors.append(_("Required columns are missing: %(columns)s") % {"columns": ", ".join(sorted(missing))})
        return result
    rows: list[RegistryCompany] = []
    existing = {c.inn: c for c in RegistryCompany.objects.all()}
    for line, row in enumerate(reader, start=2):
        values = {k: (row.get(k) or "").strip() for k in REGISTRY_COLUMNS}
        values["status"] = values["status"].upper() or RegistryCompany.Status.ACTIVE
        company = existing.get(values["inn"]) or RegistryCompany()
        for key, value in values.items():
            setattr(company, key, value)
        company.search_name = normalize_name(company.name)
        try:
            company.full_clean(validate_unique=False)
        except ValidationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            result.errors.append(_("Line %(line)d: %(details)s") % {"line": line, "details": details})
            continue
        rows.append(company)
    if result.errors:
        return result
    with transaction.atomic():
        for company in rows:
            if company.pk:
                result.updated += 1
            else:
                result.created += 1
            company.save()
    return result
