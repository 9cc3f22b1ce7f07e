"""How «История изменений» reads: one Russian sentence per action, field-by-field «было → стало».

Every action written by `audit_record` anywhere in the code has its sentence in ACTIONS (a test
scans the code for new ones). Field names and values are read from the model the event is about
(verbose names and choices, through the app registry, so this floor imports no app above it);
keys that are not model fields are named in FIELDS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.core.formatting import format_date, format_datetime, format_money
from kabinet.core.phones import format_phone

ACTIONS: dict[str, Any] = {
    # Employees and the organization (§8)
    "employee_added": _("Employee added"),
    "employee_role_changed": _("Employee's role changed"),
    "employee_status_changed": _("Employee's status changed"),
    "employee_removed": _("Employee removed"),
    "organization_refreshed": _("Organization data refreshed from the registry"),
    "organization_requested": _("Access to the organization requested"),
    "employee_invited": _("Employee invited"),
    "invitation_accepted": _("Invitation accepted"),
    "invitation_declined": _("Invitation declined"),
    "invitation_revoked": _("Invitation revoked"),
    "invitation_resent": _("Invitation sent again (the previous link no longer works)"),
    "join_request_approved": _("Request to join approved by the administrator"),
    "join_request_declined": _("Request to join declined by the administrator"),
    "join_request_sent_to_staff": _("Request to join approved and sent to the lessor"),
    "creditor_requisites_changed": _("Creditor's payment requisites changed"),
    "appeal_assigned": _("Request assigned to a staff member"),
    "consent_withdrawn": _("Consent withdrawn"),
    "invoice_issued": _("Invoice issued"),
    "payment_orders_written": _("Payment orders for the bank downloaded"),
    "statement_requested": _("Reconciliation statement requested"),
    "settlement_account_added": _("Bank account added to the organization's card"),
    "settlement_account_changed": _("Bank account in the organization's card changed"),
    "settlement_account_removed": _("Bank account removed from the organization's card"),
    "reconciliation_compared": _("Client's reconciliation data compared with the books"),
    "personal_data_deletion_requested": _("Deletion of personal data requested"),
    "personal_data_erased": _("Personal data erased"),
    "sign_in_delayed": _("Sign-in delayed after failed attempts"),
    # Registration and sign-in
    "registration_started": _("Registration started"),
    "registration_confirmed": _("Registration confirmed by SMS"),
    "registration_approved": _("Registration approved by the lessor"),
    "registration_rejected": _("Registration rejected by the lessor"),
    "sign_in": _("Signed in"),
    "sign_in_failed": _("Failed sign-in attempt"),
    "sms_code_sent": _("SMS code sent"),
    "sms_code_checked": _("SMS code checked"),
    "profile_updated": _("Profile updated"),
    "password_changed": _("Password changed"),
    "sessions_ended": _("Signed out on all other devices"),
    "session_ended": _("Session ended"),
    "password_reset": _("Password reset by link"),
    "password_reset_requested": _("Password reset link requested"),
    "phone_changed": _("Phone number changed"),
    "passkey_added": _("Passkey added"),
    "passkey_used": _("Signed in with a passkey"),
    "passkey_deleted": _("Passkey deleted"),
    "second_factor_changed": _("Second sign-in factor requirement changed"),
    # Requests, support, contracts, documents, notifications
    "appeal_created": _("Request sent"),
    "appeal_status_changed": _("Request status changed"),
    "appeal_commented": _("Message on a request"),
    "appeal_answered": _("Answer to the lessor on a request"),
    "support_thread_created": _("Support appeal opened"),
    "support_reply": _("Support answered"),
    "contract_status_changed": _("Contract status changed"),
    "document_uploaded": _("Document uploaded"),
    "documents_published": _("Documents published"),
    "notification_broadcast": _("Notification sent to clients"),
    # The simple electronic signature
    "signature_agreement_accepted": _("Electronic signature agreement accepted"),
    "signing_right_changed": _("Right to sign changed"),
    "signature_requested": _("Document put for signature"),
    "document_signed": _("Document signed"),
    "document_signature_refused": _("Signing of a document refused"),
    # The qualified signature
    "document_signed_qualified": _("Document signed with a qualified signature"),
    "qualified_signature_rejected": _("Qualified signature not verified"),
    # «Интеграции»: the organization's own systems' keys
    "client_token_issued": _("API key issued"),
    "client_token_revoked": _("API key revoked"),
    "client_webhook_set": _("Webhook address of an API key changed"),
}

# Keys of before/after that are not fields of the event's model: their names, and where their
# values' labels come from («app.model», «field»).
FIELDS: dict[str, Any] = {
    "user": _("Employee"),
    "phone": _("Phone"),
    "role": _("Role"),
    "status": _("Status"),
    "membership": _("Employee's status"),
    "organization": _("Organization status"),
    "purpose": _("Purpose"),
    "result": _("Result"),
    "attempt": _("Attempt"),
    "inn": _("INN"),
    "reason": _("Reason"),
    "full_name": _("Full name"),
    "email": _("E-mail"),
    "kind": _("Type"),
    "topic": _("Topic"),
    "name": _("File"),
    "size": _("Size"),
    "count": _("Documents"),
    "doc_type": _("Document type"),
    "title": _("Title"),
    "organizations": _("Organizations"),
    "assignee": _("Responsible"),
    "version": _("Version"),
    "ip": _("IP address"),
    "act": _("Act"),
    "sessions": _("Sessions ended"),
    "token": _("Access key"),
    "signing_right": _("Right to sign"),
    "document_sha256": _("Document SHA-256"),
    "signers_required": _("Signers needed"),
    "deadline": _("Sign by"),
}
# Keys that hold money: shown as «1 234,56 ₽», never «1234.56».
MONEY_KEYS = {"amount", "total", "closing", "opening", "debt"}
VALUE_SOURCES: dict[str, tuple[str, str]] = {
    "role": ("organizations.membership", "role"),
    "membership": ("organizations.membership", "status"),
    "organization": ("organizations.organization", "status"),
}
VALUES: dict[str, dict[str, Any]] = {
    "result": {"ok": _("correct"), "wrong": _("wrong")},
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass
class Change:
    label: str
    before: str
    after: str
    changed: bool  # both sides known and different
    added: bool  # only «стало» (created)
    removed: bool  # only «было» (deleted)


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


def action_choices(actions) -> list[tuple[str, str]]:
    """Each kind once, by its Russian name (the caller's query may repeat kinds)."""
    return sorted(((a, action_label(a)) for a in dict.fromkeys(actions)), key=lambda pair: pair[1])


def _statement_sentence(after: dict) -> str:
    params = {
        "start": format_date(after.get("from")),
        "end": format_date(after.get("to")),
        "contract": after.get("contract") or "",
        "format": str(after.get("format") or "").upper() or "PDF",
        "closing": _money(after.get("closing")),
    }
    if params["contract"]:
        text = gettext(
            "Reconciliation statement for %(start)s – %(end)s on contract %(contract)s, %(format)s; "
            "closing balance %(closing)s."
        )
    else:
        text = gettext(
            "Reconciliation statement for %(start)s – %(end)s on all contracts, "
            "%(format)s; closing balance %(closing)s."
        )
    return text % params


def _invoice_sentence(after: dict) -> str:
    return gettext("Invoice No. %(number)s for %(amount)s on contract %(contract)s.") % {
        "number": after.get("number") or "—",
        "amount": _money(after.get("amount")),
        "contract": after.get("contract") or "—",
    }


def _payment_orders_sentence(after: dict) -> str:
    invoices = after.get("invoices") or []
    return gettext(
        "Payment orders for the bank from account %(account)s: %(count)s for %(total)s (invoices %(numbers)s)."
    ) % {
        "account": after.get("account") or "—",
        "count": len(invoices),
        "total": _money(after.get("total")),
        "numbers": ", ".join(invoices) or "—",
    }


def _signing_right_sentence(after: dict) -> str:
    text = (
        gettext("%(user)s was given the right to sign for the organization.")
        if after.get("signing_right")
        else gettext("%(user)s no longer has the right to sign for the organization.")
    )
    return text % {"user": after.get("user") or "—"}


def _agreement_sentence(after: dict) -> str:
    return gettext("«%(title)s», version %(version)s, accepted.") % {
        "title": after.get("title") or "",
        "version": after.get("version") or "—",
    }


def _signed_sentence(after: dict) -> str:
    return gettext("«%(title)s» signed with a simple electronic signature; file SHA-256 %(sha256)s.") % {
        "title": after.get("title") or "",
        "sha256": after.get("document_sha256") or "—",
    }


def _refused_sentence(after: dict) -> str:
    return gettext("Signing of «%(title)s» refused: %(reason)s") % {
        "title": after.get("title") or "",
        "reason": after.get("reason") or "—",
    }


def _qualified_sentence(after: dict) -> str:
    return gettext(
        "«%(title)s» signed with a qualified signature of %(signer)s (INN %(inn)s, certificate by %(issuer)s); "
        "file SHA-256 %(sha256)s."
    ) % {
        "title": after.get("title") or "",
        "signer": after.get("signer") or "—",
        "inn": after.get("inn") or "—",
        "issuer": after.get("issuer") or "—",
        "sha256": after.get("document_sha256") or "—",
    }


def _qualified_rejected_sentence(after: dict) -> str:
    return gettext("A qualified signature of %(signer)s for «%(title)s» was not verified: %(reason)s") % {
        "title": after.get("title") or "",
        "signer": after.get("signer") or "—",
        "reason": after.get("reason") or "—",
    }


def _broadcast_sentence(after: dict) -> str:
    return gettext("«%(title)s» sent to %(count)s organizations.") % {
        "title": after.get("title") or "",
        "count": after.get("organizations") or 0,
    }


# Actions whose record is a fact, not a change: told as one sentence instead of «поле: значение».
SENTENCES: dict[str, Any] = {
    "statement_requested": _statement_sentence,
    "invoice_issued": _invoice_sentence,
    "payment_orders_written": _payment_orders_sentence,
    "notification_broadcast": _broadcast_sentence,
    "signing_right_changed": _signing_right_sentence,
    "signature_agreement_accepted": _agreement_sentence,
    "document_signed": _signed_sentence,
    "document_signature_refused": _refused_sentence,
    "document_signed_qualified": _qualified_sentence,
    "qualified_signature_rejected": _qualified_rejected_sentence,
}


def describe_sentence(event) -> str:
    """The event as one Russian sentence when its kind is a fact (an invoice issued), else «»."""
    build = SENTENCES.get(event.action)
    return build(event.after or {}) if build is not None else ""


def _money(value: Any) -> str:
    try:
        return format_money(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return str(value) if value not in (None, "") else "—"


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


# The model an action is about, for events written without an object (or by hand).
ACTION_MODELS = {
    "appeal": "appeals.appeal",
    "employee": "organizations.membership",
    "contract": "contracts.contract",
    "support": "support.supportthread",
    "registration": "accounts.registration",
    "organization": "organizations.organization",
    "document": "documents.document",
    "documents": "documents.document",
}


def _event_model(event) -> type[models.Model] | None:
    return _model(event.object_type) or _model(ACTION_MODELS.get(event.action.split("_", 1)[0], ""))


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _format_value(key: str, value: Any, field: models.Field | None, related: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    source = VALUE_SOURCES.get(key)
    if source and (field is None or not field.choices):
        field = _field(_model(source[0]), source[1])
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if key in VALUES:
        return str(VALUES[key].get(value, value))
    if field is not None and field.is_relation and field.related_model is not None and _is_pk(value):
        return related.get((field.related_model._meta.label_lower, str(value)), str(value))
    if key == "phone":
        return format_phone(str(value))
    if key in MONEY_KEYS or isinstance(field, models.DecimalField):
        return _money(value)
    if key == "size" and isinstance(value, int):
        return filesizeformat(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(date.fromisoformat(value))
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return ", ".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


def _is_pk(value: Any) -> bool:
    """Snapshots keep some relations as ids (a topic) and some as names (an employee)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def _label(key: str, field: models.Field | None) -> str:
    if key in FIELDS:
        return str(FIELDS[key])
    if field is not None:
        return str(field.verbose_name).capitalize()
    return key.replace("_", " ").capitalize()


def related_names(events) -> dict[tuple[str, str], str]:
    """The names of rows the events' values point at (a topic id → its name): one query per model."""
    wanted: dict[type[models.Model], set[str]] = {}
    for event in events:
        model = _event_model(event)
        for key, value in list((event.before or {}).items()) + list((event.after or {}).items()):
            field = _field(model, key)
            if _is_pk(value) and field is not None and field.is_relation and field.related_model:
                wanted.setdefault(field.related_model, set()).add(str(value))
    names: dict[tuple[str, str], str] = {}
    for model, ids in wanted.items():
        for row in model._default_manager.filter(pk__in=ids):
            names[(model._meta.label_lower, str(row.pk))] = str(row)
    return names


def describe_changes(event, related: dict | None = None) -> list[Change]:
    """Field by field: «Роль: Менеджер → Администратор»; a creation shows what it set, a removal what was."""
    related = related or {}
    before, after = event.before or {}, event.after or {}
    model = _event_model(event)
    changes = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        in_before, in_after = key in before, key in after
        if in_before and in_after and before[key] == after[key]:
            continue  # a refresh records every field; only what changed is news
        field = _field(model, key)
        changes.append(
            Change(
                label=_label(key, field),
                before=_format_value(key, before.get(key), field, related) if in_before else "",
                after=_format_value(key, after.get(key), field, related) if in_after else "",
                changed=in_before and in_after,
                added=in_after and not in_before,
                removed=in_before and not in_after,
            )
        )
    return changes


def actor_label(event, creditor_name: str = "") -> str:
    """Who did it: a client user by name; the lessor's staff only as «Сотрудник БАЛТЛИЗ»."""
    kind = event.actor_kind
    if kind == "staff" or (event.actor is not None and event.actor.is_staff):
        return (
            gettext("Employee of %(creditor)s") % {"creditor": creditor_name}
            if creditor_name
            else gettext("Lessor's employee")
        )
    if kind == "api":
        return (
            gettext("Accounting system of %(creditor)s") % {"creditor": creditor_name}
            if creditor_name
            else gettext("Integration")
        )
    if event.actor is not None:
        return event.actor.full_name or format_phone(str(event.actor.phone))
    return gettext("System")


def shows_ip(event) -> bool:
    """The address is shown for the organization's own people only, never for the lessor's staff."""
    return event.actor_kind == "user" and not (event.actor is not None and event.actor.is_staff)
