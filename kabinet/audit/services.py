from __future__ import annotations

from typing import Any

from kabinet.audit.models import AuditEvent


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
    ip = None
    user_agent = ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
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
        user_agent=user_agent,
    )
