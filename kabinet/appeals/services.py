"""Requests and appeals: creation, numbering, the status life cycle, comments and answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.appeals.models import (
    ASKS_CLIENT,
    Appeal,
    AppealComment,
    AppealCounter,
    AppealKind,
    AppealStatus,
    AppealStatusChange,
    AppealTopic,
    StaffNote,
    transition_allowed,
)
from kabinet.audit.models import AuditEvent
from kabinet.audit.services import audit_record, event_creditor_id, record_event
from kabinet.contracts.models import Contract
from kabinet.core import numbering
from kabinet.core.files import clean_filename, sniff
from kabinet.core.formatting import format_date, format_money
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.documents.services import UploadInput, documents_upload
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify


class TransitionRefused(Exception):
    pass


def _next_number() -> str:
    highest = numbering.highest_in_series(Appeal, numbering.REQUEST_SERIES)
    sequence = numbering.next_in_sequence(AppealCounter, name="appeal", at_least=highest)
    return numbering.client_number(numbering.REQUEST_SERIES, sequence)


def _clean_period(raw, name: str, label: str, required: bool) -> tuple[str, str]:
    """A whole period («Акт сверки»): two dates, `from` not after `to`; kept as `2025-01-01/2025-12-31`."""
    start = (raw.get(f"field_{name}_from") or "").strip()
    end = (raw.get(f"field_{name}_to") or "").strip()
    if not start and not end:
        return "", (_("Fill in «%(label)s»: both dates.") % {"label": label}) if required else ""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return "", _("Enter both dates of the period.")
    if first > last:
        return "", _("The period must start before it ends.")
    return f"{first.isoformat()}/{last.isoformat()}", ""


def topic_field_display(spec: dict, value: str) -> str:
    """A topic field's value as the card shows it: dates `01.02.2027`, money `1 500 000,00 ₽`, periods «с … по …»."""
    kind = spec.get("type", "text") if spec else "text"
    try:
        if kind == "date":
            return format_date(date.fromisoformat(value))
        if kind == "money":
            return format_money(Decimal(value))
        if kind == "period":
            start, _sep, end = value.partition("/")
            return _("from %(start)s to %(end)s") % {
                "start": format_date(date.fromisoformat(start)),
                "end": format_date(date.fromisoformat(end)),
            }
    except (ValueError, InvalidOperation):
        return value
    return value


def appeal_data_rows(data: Mapping[str, Any] | None, specs: Mapping[str, dict]) -> list[tuple[str, str]]:
    """The request's data as the card shows it: the topic's own fields by their labels; what the portal
    itself put there (an early buyout's quote) as Russian sentences, never its keys."""
    data = dict(data or {})
    rows: list[tuple[str, str]] = []
    if "buyout_value" in data:
        value_date = data.pop("buyout_value_date", "")
        day = data.pop("date", "")
        if day:
            rows.append((_("Buyout date"), topic_field_display({"type": "date"}, day)))
        try:
            value = format_money(Decimal(str(data.pop("buyout_value"))))
        except InvalidOperation:
            value = "—"
        rows.append(
            (
                _("Early buyout"),
                _("Early buyout value as of %(date)s: %(value)s")
                % {"date": topic_field_display({"type": "date"}, value_date), "value": value},
            )
        )
    for key, value in data.items():
        spec = specs.get(key, {})
        rows.append((spec.get("label") or _("Additional information"), topic_field_display(spec, value)))
    return rows


def clean_topic_fields(topic: AppealTopic | None, raw: Mapping[str, Any]) -> dict[str, str]:
    """Check the extra fields a topic asks for (staff define them in /admin/) and keep them as text."""
    if topic is None:
        return {}
    values, errors = {}, {}
    for spec in topic.extra_fields or []:
        name, label, kind = spec.get("name"), spec.get("label", ""), spec.get("type", "text")
        if kind == "period":
            period, error = _clean_period(raw, name, label, bool(spec.get("required")))
            if error:
                errors[f"field_{name}"] = error
            elif period:
                values[name] = period
            continue
        value = (raw.get(f"field_{name}") or "").strip()
        if not value:
            if spec.get("required"):
                errors[f"field_{name}"] = _("Fill in «%(label)s».") % {"label": label}
            continue
        if kind == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                errors[f"field_{name}"] = _("Enter a date.")
        elif kind == "money":
            try:
                amount = Decimal(value.replace(" ", "").replace(",", "."))
                if amount < 0:
                    raise InvalidOperation
                value = str(amount.quantize(Decimal("0.01")))
            except InvalidOperation:
                errors[f"field_{name}"] = _("Enter an amount, e.g. 1 500 000,00.")
        values[name] = value[:500]
    if errors:
        raise ValidationError(errors)
    return values


@dataclass
class AppealInput:
    kind: str
    description: str
    topic: AppealTopic | None = None
    contract: Contract | None = None
    full_name: str = ""
    phone: str = ""
    data: dict = field(default_factory=dict)
    files: list = field(default_factory=list)


def appeal_create(*, org, user, data: AppealInput, origin: Origin | None = None) -> Appeal:
    """Send a request: number it, keep its first history row and its attachments, all in one transaction."""
    if data.contract is not None and data.contract.organization_id != org.pk:
        raise ValidationError(_("It belongs to another organization."))
    with transaction.atomic():
        appeal = Appeal.objects.create(
            organization=org,
            number=_next_number(),
            kind=data.kind,
            topic=data.topic,
            contract=data.contract,
            product_id=data.contract.product_id if data.contract else None,
            full_name=data.full_name,
            phone=data.phone,
            description=data.description,
            data=data.data,
            status=AppealStatus.SENT,
            status_changed_at=timezone.now(),
            created_by=user,
        )
        AppealStatusChange.objects.create(
            organization=org, appeal=appeal, from_status="", to_status=appeal.status, changed_by=user
        )
        if data.files:
            documents_upload(
                org=org,
                user=user,
                files=data.files,
                origin=origin,
                data=UploadInput(doc_type=_("Request attachment"), contract=data.contract, appeal=appeal),
            )
        record_event(
            action="appeal_created",
            organization=org,
            actor=user,
            obj=appeal,
            after={"kind": appeal.kind, "topic": appeal.topic_id},
            origin=origin,
            event="appeal.created",
            creditor_id=event_creditor_id(contract=appeal.contract, product=appeal.product),
            payload={
                "number": appeal.number,
                "kind": appeal.kind,
                "topic": appeal.topic.name if appeal.topic else "",
                "description": appeal.description,
                "contract": appeal.contract.external_id if appeal.contract else None,
                "attachments": list(appeal.documents.values_list("pk", flat=True)),
            },
        )
    return appeal


def appeal_change_status(
    *,
    appeal_id: int,
    to_status: str,
    actor=None,
    by_client: bool = False,
    comment: str = "",
    answer_file=None,
    actor_kind: str = AuditEvent.ActorKind.STAFF,
    origin: Origin | None = None,
) -> Appeal:
    """An explicit transition: lock the row, check the table, save, write history, notify on commit."""
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if not transition_allowed(appeal.status, to_status, by_client=by_client):
            raise TransitionRefused(
                _("A request in the status «%(current)s» cannot become «%(new)s».")
                % {"current": appeal.get_status_display(), "new": AppealStatus(to_status).label}
            )
        previous = appeal.status
        appeal.status = to_status
        appeal.status_changed_at = timezone.now()
        appeal.save(update_fields=["status", "status_changed_at", "updated_at"])
        AppealStatusChange.objects.create(
            organization_id=appeal.organization_id,
            appeal=appeal,
            from_status=previous,
            to_status=to_status,
            comment=comment,
            changed_by=actor,
        )
        if comment and not by_client:
            AppealComment.objects.create(
                organization_id=appeal.organization_id, appeal=appeal, author=actor, from_staff=True, body=comment
            )
        if answer_file is not None:
            _attach_answer(appeal, answer_file, actor)
        record_event(
            action="appeal_status_changed",
            organization=appeal.organization,
            actor=actor,
            actor_kind=AuditEvent.ActorKind.USER if by_client else actor_kind,
            obj=appeal,
            before={"status": previous},
            after={"status": to_status},
            origin=origin,
            event="appeal.status",
            creditor_id=event_creditor_id(contract=appeal.contract, product=appeal.product),
            payload={"number": appeal.number, "status": to_status, "previous": previous, "by_client": by_client},
        )
        if not by_client:
            body = comment or (_("Please answer in the request.") if to_status in ASKS_CLIENT else "")
            members_notify(
                org=appeal.organization,
                kind=Notification.Kind.APPEAL_STATUS,
                title=_("Request %(number)s: %(status)s")
                % {"number": appeal.number, "status": appeal.get_status_display()},
                body=body,
                link=reverse("appeals:detail", args=[appeal.pk]),
            )
    return appeal


def _attach_answer(appeal: Appeal, uploaded, actor) -> Document:
    content_type = sniff(uploaded)
    document = Document(
        organization_id=appeal.organization_id,
        direction=Document.Direction.INCOMING,
        category=Document.Category.OTHER,
        doc_type=_("Answer to a request"),
        title=clean_filename(uploaded.name),
        appeal=appeal,
        contract_id=appeal.contract_id,
        product_id=appeal.product_id,
        document_date=timezone.localdate(),
        original_name=clean_filename(uploaded.name),
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=actor,
    )
    document.file.save(document.original_name, uploaded, save=False)
    document.save()
    return document


def appeal_withdraw(*, org, user, appeal_id: int, origin: Origin | None = None) -> Appeal:
    appeal = Appeal.objects.for_org(org).get(pk=appeal_id)
    return appeal_change_status(
        appeal_id=appeal.pk, to_status=AppealStatus.WITHDRAWN, actor=user, by_client=True, origin=origin
    )


def appeal_staff_comment(
    *, appeal_id: int, staff, body: str, answer_file=None, origin: Origin | None = None
) -> AppealComment:
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        comment = AppealComment.objects.create(
            organization_id=appeal.organization_id, appeal=appeal, author=staff, from_staff=True, body=body
        )
        if answer_file is not None:
            _attach_answer(appeal, answer_file, staff)
        members_notify(
            org=appeal.organization,
            kind=Notification.Kind.APPEAL_STATUS,
            title=_("Request %(number)s: a new message") % {"number": appeal.number},
            body=body,
            link=reverse("appeals:detail", args=[appeal.pk]),
        )
        audit_record(
            action="appeal_commented",
            organization=appeal.organization,
            actor=staff,
            actor_kind=AuditEvent.ActorKind.STAFF,
            obj=appeal,
            origin=origin,
        )
    return comment


def appeal_client_answer(
    *, org, user, appeal_id: int, body: str, files: list, origin: Origin | None = None
) -> AppealComment:
    """The client answers what a status asks (a comment and files)."""
    with transaction.atomic():
        appeal = Appeal.objects.for_org(org).select_for_update().get(pk=appeal_id)
        if appeal.status not in ASKS_CLIENT:
            raise TransitionRefused(_("The request does not wait for your answer."))
        comment = AppealComment.objects.create(
            organization=org, appeal=appeal, author=user, from_staff=False, body=body
        )
        # Answered: the request goes back to the lessor's work, so the card stops asking.
        previous = appeal.status
        appeal.status = AppealStatus.IN_PROGRESS
        appeal.status_changed_at = timezone.now()
        appeal.save(update_fields=["status", "status_changed_at", "updated_at"])
        AppealStatusChange.objects.create(
            organization_id=appeal.organization_id,
            appeal=appeal,
            from_status=previous,
            to_status=appeal.status,
            comment=_("The client answered."),
            changed_by=user,
        )
        audit_record(
            action="appeal_status_changed",
            organization=org,
            actor=user,
            actor_kind=AuditEvent.ActorKind.USER,
            obj=appeal,
            before={"status": previous},
            after={"status": appeal.status},
            origin=origin,
        )
        if files:
            documents_upload(
                org=org,
                user=user,
                files=files,
                origin=origin,
                data=UploadInput(doc_type=_("Request attachment"), contract=appeal.contract, appeal=appeal),
            )
        record_event(
            action="appeal_answered",
            organization=org,
            actor=user,
            obj=appeal,
            origin=origin,
            event="appeal.answered",
            creditor_id=event_creditor_id(contract=appeal.contract, product=appeal.product),
            payload={"number": appeal.number, "body": body},
        )
    return comment


# Back-office work. Internal by design: the audit events below carry no organization, so the
# client's «История изменений» (which lists its organization's events) never shows them.


def appeal_assign(*, appeal_ids: list[int], assignee, staff, origin: Origin | None = None) -> int:
    """Give requests to a staff member (or to nobody with `assignee=None`)."""
    if assignee is not None and not assignee.is_staff:
        raise ValidationError(_("Only the lessor's staff can work on requests."))
    with transaction.atomic():
        appeals = list(Appeal.objects.select_for_update().filter(pk__in=appeal_ids).order_by("pk"))
        for appeal in appeals:
            before = {"assignee": str(appeal.assignee) if appeal.assignee_id else ""}
            appeal.assignee = assignee
            appeal.save(update_fields=["assignee", "updated_at"])
            audit_record(
                action="appeal_assigned",
                actor=staff,
                actor_kind=AuditEvent.ActorKind.STAFF,
                obj=appeal,
                before=before,
                after={"assignee": str(assignee) if assignee else ""},
                origin=origin,
            )
    return len(appeals)


def appeal_staff_note(*, appeal_id: int, staff, body: str) -> StaffNote:
    """An internal note: no notification, no API event, no e-mail, nothing the client can read."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Write the note."))
    return StaffNote.objects.create(appeal_id=appeal_id, author=staff, body=body)


BUYOUT_TOPIC = "Досрочный выкуп"


def appeal_buyout_request(*, org, user, contract, quote, origin: Origin | None = None) -> Appeal:
    """«Запросить досрочный выкуп»: a contract appeal of the buyout topic with the books' quoted value."""
    topic = AppealTopic.objects.filter(kind=AppealKind.CONTRACT, name=BUYOUT_TOPIC).order_by("pk").first()
    if topic is None:
        topic = AppealTopic.objects.create(kind=AppealKind.CONTRACT, name=BUYOUT_TOPIC, position=0)
    value = format_money(quote.amount).replace("\u202f", " ").replace("\u00a0", " ")
    description = _(
        "Please arrange the early buyout of contract No. %(number)s on %(date)s. "
        "The buyout value quoted on the portal: %(value)s (as of %(value_date)s)."
    ) % {
        "number": contract.number,
        "date": quote.day.strftime("%d.%m.%Y"),
        "value": value,
        "value_date": quote.value_date.strftime("%d.%m.%Y"),
    }
    return appeal_create(
        org=org,
        user=user,
        origin=origin,
        data=AppealInput(
            kind=AppealKind.CONTRACT,
            topic=topic,
            contract=contract,
            description=description,
            full_name=user.get_full_name() if user else "",
            data={
                "date": quote.day.isoformat(),
                "buyout_value": str(quote.amount),
                "buyout_value_date": quote.value_date.isoformat(),
            },
        ),
    )
