"""An organization's card as the books send it (the integration API's upsert)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.core.services import record_put
from kabinet.organizations.models import Organization


def organization_put(*, instance: Organization | None, data: dict[str, Any]) -> Organization:
    """The card's «Данные на» date is the moment the books last sent it."""
    return record_put(Organization, instance=instance, data={**data, "data_as_of": timezone.now()})


def organization_second_factor_set(*, org: Organization, actor, required: bool, origin: Origin) -> Organization:
    """«Настройки»: every member confirms the sign-in with a passkey or an SMS code (from the next sign-in)."""
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        before = org.second_factor_required
        if before != required:
            org.second_factor_required = required
            org.save(update_fields=["second_factor_required", "updated_at"])
            audit_record(
                action="second_factor_changed",
                organization=org,
                actor=actor,
                obj=org,
                before={"second_factor_required": before},
                after={"second_factor_required": required},
                origin=origin,
            )
    return org
