"""Writes about contracts that clients are told of."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record
from kabinet.contracts.models import Contract, ScheduledPayment
from kabinet.core.formatting import format_date, format_money
from kabinet.notifications.models import Notification
from kabinet.notifications.services import notify_members
from kabinet.organizations.models import Organization


def contract_status_changed(*, contract: Contract, actor=None, request=None) -> None:
    with transaction.atomic():
        audit_record(
            action="contract_status_changed",
            organization=contract.organization,
            actor=actor,
            actor_kind="staff",
            obj=contract,
            after={"status": contract.status},
            request=request,
        )
        notify_members(
            org=contract.organization,
            kind=Notification.Kind.CONTRACT_STATUS,
            title=_("Contract %(number)s: %(status)s")
            % {"number": contract.number, "status": contract.get_status_display()},
            link=f"/contracts/{contract.pk}/",
        )


def schedule_updated(*, contract: Contract) -> None:
    notify_members(
        org=contract.organization,
        kind=Notification.Kind.SCHEDULE_UPDATED,
        title=_("The payment schedule under contract %(number)s is updated") % {"number": contract.number},
        link=f"/contracts/{contract.pk}/",
    )


def schedules_updated(*, contracts: list[Contract]) -> None:
    """One notification for the schedules of several contracts of one organization."""
    numbers = ", ".join(c.number for c in contracts[:10]) + ("…" if len(contracts) > 10 else "")
    notify_members(
        org=contracts[0].organization,
        kind=Notification.Kind.SCHEDULE_UPDATED,
        title=_("Payment schedules updated: %(count)d contracts") % {"count": len(contracts)},
        body=numbers,
        link="/contracts/",
    )


def payments_due_notify(*, days: int = 3, today=None) -> int:
    """Tell each organization about its payments due in `days` days (run daily: `manage.py notify_payments_due`)."""
    today = today or timezone.localdate()
    due = today + timedelta(days=days)
    payments = (
        ScheduledPayment.objects.filter(is_paid=False, due_date=due)
        .select_related("contract")
        .order_by("organization_id", "contract__number")
    )
    by_org: dict[int, list[ScheduledPayment]] = {}
    for payment in payments:
        by_org.setdefault(payment.organization_id, []).append(payment)
    orgs = Organization.objects.in_bulk(list(by_org))
    with transaction.atomic():
        for org_id, rows in by_org.items():
            # One notification per payment, opening the contract it is about, with its amount.
            for payment in rows:
                notify_members(
                    org=orgs[org_id],
                    kind=Notification.Kind.PAYMENT_DUE,
                    title=_("Payment under contract %(number)s due %(date)s: %(amount)s")
                    % {
                        "number": payment.contract.number,
                        "date": format_date(due),
                        "amount": format_money(payment.outstanding),
                    },
                    body=_("The invoice is on the contract's card, in the payment schedule."),
                    link=f"/contracts/{payment.contract_id}/",
                )
    return len(by_org)
