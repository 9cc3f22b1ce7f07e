from __future__ import annotations

from typing import Any

from django.db import transaction

from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.audit.signals import event_recorded
from kabinet.core.net import Origin


def audit_record(
    *,
    action: str,
    organization=None,
    actor=None,
    actor_kind: str = AuditEvent.ActorKind.USER,
    obj=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    origin: Origin | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it describes; a change the
    accounting system hears of too (the feed, webhooks) goes through `record_event` instead.

    `origin` is where the change came from (the client's address and browser): a view passes
    `Origin.of(request)` to the service, never the request itself."""
    ip = origin.ip if origin is not None else None
    agent = origin.user_agent if origin is not None else ""
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        actor_kind=actor_kind,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        before=before or {},
        after=after or {},
        ip=ip,
        user_agent=agent,
    )


def record_event(
    *,
    action: str = "",
    organization=None,
    actor=None,
    actor_kind: str = AuditEvent.ActorKind.USER,
    obj=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    origin: Origin | None = None,
    event: str = "",
    payload: dict[str, Any] | None = None,
) -> tuple[AuditEvent | None, ApiEvent | None]:
    """The write path's one event call: the audit row (`action`, as `audit_record`) and the integration
    event (`event` with `payload`, read by `GET /api/v1/events/` and pushed to webhooks) in one
    transaction, so neither exists without the other. Either may be left out ("" ) when a change has
    only one of them (a support message is not audited; most audited changes are not in the feed).
    Listeners of `event_recorded` hear of the event after commit."""
    if not action and not event:
        raise ValueError("record_event needs an audit action, an integration event, or both")
    if event and event not in ApiEvent.Kind.values:
        raise ValueError(f"unknown integration event {event!r}: add it to ApiEvent.Kind")
    with transaction.atomic():
        audit = (
            audit_record(
                action=action,
                organization=organization,
                actor=actor,
                actor_kind=actor_kind,
                obj=obj,
                before=before,
                after=after,
                origin=origin,
            )
            if action
            else None
        )
        integration = (
            ApiEvent.objects.create(kind=event, organization=organization, payload=payload or {}) if event else None
        )
    if integration is not None:
        event_id = integration.pk
        transaction.on_commit(lambda: event_recorded.send(sender=ApiEvent, event_id=event_id))
    return audit, integration
