"""Writing the feed the accounting system polls (and the webhooks that push the same events).
Called by services inside their transactions."""

from __future__ import annotations

from django.db import transaction


def record(event_kind: str, /, *, organization=None, **payload) -> None:
    from kabinet.api.models import ApiEvent
    from kabinet.api.tasks import fan_out_event

    event = ApiEvent.objects.create(kind=event_kind, organization=organization, payload=payload)
    transaction.on_commit(lambda: fan_out_event.enqueue(event.pk))
