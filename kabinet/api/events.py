"""Writing the feed the accounting system polls. Called by services inside their transactions."""

from __future__ import annotations


def record(event_kind: str, /, *, organization=None, **payload) -> None:
    from kabinet.api.models import ApiEvent

    ApiEvent.objects.create(kind=event_kind, organization=organization, payload=payload)
