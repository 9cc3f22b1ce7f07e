"""What clients are told about their contracts: status changes, new schedules, payments due soon."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.models import ApiEvent
from kabinet.audit.services import audit_record, record_events
from kabinet.contracts.ledger import lines_due_on
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core.formatting import format_date, format_money
from kabinet.core.net import Origin
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify
from kabinet.organizations.models import Organization


def contract_status_notify(*, contract: Contract, actor=None, origin: Origin | None = None) -> None:
    """Record the contract's new status and tell the organization's members."""
    with transaction.atomic():
        audit_record(
            action="contract_status_changed",
            organization=contract.organization,
            actor=actor,
            actor_kind="staff",
            obj=contract,
            after={"status": contract.status},
            origin=origin,
        )
        members_notify(
            org=contract.organization,
            kind=Notification.Kind.CONTRACT_STATUS,
            title=_("Contract %(number)s: %(status)s")
            % {"number": contract.number, "status": contract.get_status_display()},
            link=reverse("contracts:detail", args=[contract.pk]),
        )


def client_events(kind: str, items: list[tuple[Contract, dict]]) -> None:
    """Tell the organizations' own systems (`/api/v1/client/events/`, their webhooks) what the lessor's
    side did about their contracts: one event per (contract, payload), two queries whatever their number.
    Inside the transaction of the write."""
    if not items:
        return
    creditor_of = dict(
        Contract.objects.filter(pk__in={c.pk for c, _payload in items}).values_list("pk", "product__creditor_id")
    )
    record_events(
        kind,
        [
            (c.organization_id, creditor_of.get(c.pk), {"contract_id": c.pk, "contract": c.number, **payload})
            for c, payload in items
        ],
    )


def contract_recorded(*, contract: Contract, created: bool) -> None:
    """A contract the books sent (added or changed), for the client's systems."""
    kind = ApiEvent.Kind.CONTRACT_CREATED if created else ApiEvent.Kind.CONTRACT_CHANGED
    client_events(kind, [(contract, {"status": contract.status})])


def schedules_notify(*, contracts: list[Contract]) -> None:
    """Tell one organization its schedules changed: about the contract when one, a summary when several."""
    if len(contracts) == 1:
        (contract,) = contracts
        members_notify(
            org=contract.organization,
            kind=Notification.Kind.SCHEDULE_UPDATED,
            title=_("The payment schedule under contract %(number)s is updated") % {"number": contract.number},
            link=reverse("contracts:detail", args=[contract.pk]),
        )
        return
    numbers = ", ".join(c.number for c in contracts[:10]) + ("…" if len(contracts) > 10 else "")
    members_notify(
        org=contracts[0].organization,
        kind=Notification.Kind.SCHEDULE_UPDATED,
        title=_("Payment schedules updated: %(count)d contracts") % {"count": len(contracts)},
        body=numbers,
        link=reverse("contracts:list"),
    )


def payments_due_notify(*, days: int = 3, today=None) -> int:
    """Tell each organization about its payments due in `days` days (run daily: `manage.py notify_payments_due`)."""
    today = today or timezone.localdate()
    due = today + timedelta(days=days)
    by_org: dict[int, list[ScheduledPayment]] = {}
    for payment in lines_due_on(due):
        by_org.setdefault(payment.organization_id, []).append(payment)
    orgs = Organization.objects.in_bulk(list(by_org))
    with transaction.atomic():
        for org_id, rows in by_org.items():
            # One notification per payment, opening the contract it is about, with its amount.
            for payment in rows:
                members_notify(
                    org=orgs[org_id],
                    kind=Notification.Kind.PAYMENT_DUE,
                    title=_("Payment under contract %(number)s due %(date)s: %(amount)s")
                    % {
                        "number": payment.contract.number,
                        "date": format_date(due),
                        "amount": format_money(payment.outstanding),
                    },
                    body=_("The invoice is on the contract's card, in the payment schedule."),
                    link=reverse("contracts:detail", args=[payment.contract_id]),
                )
    return len(by_org)
