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
    creditor_id: int | None = None,
) -> tuple[AuditEvent | None, ApiEvent | None]:
    """The write path's one event call: the audit row (`action`, as `audit_record`) and the integration
    event (`event` with `payload`, read by `GET /api/v1/events/` and pushed to webhooks) in one
    transaction, so neither exists without the other. Either may be left out ("" ) when a change has
    only one of them (a support message is not audited; most audited changes are not in the feed).
    Listeners of `event_recorded` hear of the event after commit.

    `creditor_id` is the creditor whose object the event is about (`event_creditor_id`): the feed and
    webhooks give the event only to tokens that may read that object; left empty, the event is the
    organization's own and every creditor of the client hears it."""
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
        integration = None
        if event:
            integration = ApiEvent.objects.create(
                kind=event, organization=organization, creditor_id=creditor_id, payload=payload or {}
            )
    if integration is not None:
        event_id = integration.pk
        transaction.on_commit(lambda: event_recorded.send(sender=ApiEvent, event_id=event_id))
    return audit, integration


def record_events(event: str, rows: list[tuple[int, int | None, dict[str, Any]]]) -> list[ApiEvent]:
    """Many integration events of one kind at once (a bulk write's: a schedule per contract, a payment
    each), each row (organization id, creditor id, payload); one INSERT, and each is heard of after commit
    like `record_event`'s. Call it inside the transaction of the write."""
    if event not in ApiEvent.Kind.values:
        raise ValueError(f"unknown integration event {event!r}: add it to ApiEvent.Kind")
    if not rows:
        return []
    events = ApiEvent.objects.bulk_create(
        [
            ApiEvent(kind=event, organization_id=org_id, creditor_id=cid, payload=payload)
            for org_id, cid, payload in rows
        ]
    )
    ids = [e.pk for e in events]
    transaction.on_commit(lambda: [event_recorded.send(sender=ApiEvent, event_id=pk) for pk in ids])
    return events


def event_creditor_id(*, contract=None, product=None) -> int | None:
    """The creditor whose object an event is about: its contract's, else its product's, else none (the
    organization's own object)."""
    if contract is not None:
        return contract.product.creditor_id
    if product is not None:
        return product.creditor_id
    return None
