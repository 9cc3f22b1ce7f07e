from __future__ import annotations

from django_tasks import task


@task()
def fan_out_event(event_id: int) -> None:
    from kabinet.api.webhooks import fan_out

    fan_out(event_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    from kabinet.api.webhooks import deliver

    return deliver(delivery_id)
