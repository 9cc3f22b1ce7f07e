from __future__ import annotations

from django_tasks import task

from kabinet.api.webhooks import deliver, fan_out


@task()
def fan_out_event(event_id: int) -> None:
    fan_out(event_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    return deliver(delivery_id)
