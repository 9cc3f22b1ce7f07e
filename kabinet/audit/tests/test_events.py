"""The one event call: the audit row and the integration event together, or neither."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.db import transaction

from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.audit.services import record_event
from kabinet.audit.signals import event_recorded

pytestmark = pytest.mark.django_db


def test_record_event_writes_both_rows_and_signals_after_commit(org_a, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, *, event_id, **kwargs):
        heard.append(event_id)

    event_recorded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            audit, event = record_event(
                action="appeal_answered", organization=org_a, event="appeal.answered", payload={"number": "A-1"}
            )
            assert heard == []  # nothing leaves before the commit
    finally:
        event_recorded.disconnect(listener)
    assert audit is not None and event is not None
    assert AuditEvent.objects.filter(pk=audit.pk, action="appeal_answered", organization=org_a).exists()
    assert ApiEvent.objects.get(pk=event.pk).payload == {"number": "A-1"}
    assert heard == [event.pk]


def test_a_failed_change_leaves_neither_row(org_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(action="appeal_answered", organization=org_a, event="appeal.answered", payload={})
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.exists() and not ApiEvent.objects.exists()


def test_either_half_may_be_left_out_but_not_both(org_a):
    audit, event = record_event(action="appeal_answered", organization=org_a)
    assert audit is not None and event is None
    audit, event = record_event(event="support.message", organization=org_a, payload={"thread": "S-1"})
    assert audit is None and event is not None
    with pytest.raises(ValueError):
        record_event(organization=org_a)
    with pytest.raises(ValueError):
        record_event(event="appeal.creatd", organization=org_a)  # a typo never reaches the feed


def test_the_api_app_fans_recorded_events_out_to_webhooks(org_a, django_capture_on_commit_callbacks, settings):
    from kabinet.api.models import ApiToken, WebhookDelivery

    token, _key = ApiToken.issue(name="1C", staff_wide=True)
    ApiToken.objects.filter(pk=token.pk).update(webhook_url="https://hooks.example.com/in")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _, event = record_event(event="appeal.created", organization=org_a, payload={})
    from django_tasks import default_task_backend

    assert event is not None
    fanned = [r for r in cast(Any, default_task_backend).results if r.task.name == "fan_out_event"]
    assert [r.args for r in fanned] == [[event.pk]]
    assert not WebhookDelivery.objects.exists()  # the worker's job, not the writer's
