from __future__ import annotations

from typing import Any

from kabinet.audit.models import AuditEvent
from kabinet.core.net import client_ip, user_agent


def audit_record(
    *,
    action: str,
    organization=None,
    actor=None,
    actor_kind: str = AuditEvent.ActorKind.USER,
    obj=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it describes."""
    ip = client_ip(request) if request is not None else None
    agent = user_agent(request) if request is not None else ""
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
