"""The client's own bank accounts (the payer of the payment orders for its bank): added, changed, removed,
one default. Checked by the model's `full_clean` (the BIC, the account's key, the correspondent account),
every change in «История изменений»."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.organizations.models import SettlementAccount

FIELDS = ("bank_name", "bank_city", "bic", "account", "correspondent_account", "next_order_number")


def _values(account: SettlementAccount) -> dict:
    return {name: str(getattr(account, name)) for name in (*FIELDS, "is_default")}


def _make_default(org, account: SettlementAccount) -> None:
    SettlementAccount.objects.for_org(org).filter(is_default=True).exclude(pk=account.pk).update(is_default=False)


def account_save(
    *, org, data: dict, account: SettlementAccount | None = None, actor=None, origin: Origin | None = None
) -> SettlementAccount:
    """Add an account (`account` None) or change one of the organization's. `data` holds FIELDS and
    `is_default`; the first account is the default whatever was asked. Raises ValidationError by field."""
    with transaction.atomic():
        existing = SettlementAccount.objects.for_org(org).select_for_update()
        before = _values(account) if account is not None else None
        target = account or SettlementAccount(organization=org)
        for name in FIELDS:
            if name in data and data[name] is not None:
                setattr(target, name, data[name])
        others = existing.exclude(pk=target.pk) if target.pk else existing
        target.is_default = bool(data.get("is_default")) or not others.exists()
        target.full_clean(exclude=["organization", "is_default"], validate_constraints=False)
        if others.filter(account=target.account).exists():
            raise ValidationError({"account": [_("This account is already in the organization's card.")]})
        if target.is_default:
            _make_default(org, target)
        target.save()
        if not target.is_default and not existing.filter(is_default=True).exists():
            # The default was unticked on the only default: another account (the oldest) takes it.
            first = existing.order_by("pk").first()
            if first is not None:
                existing.filter(pk=first.pk).update(is_default=True)
                target.refresh_from_db()
        audit_record(
            organization=org,
            actor=actor,
            action="settlement_account_changed" if before else "settlement_account_added",
            obj=target,
            before=before,
            after=_values(target),
            origin=origin,
        )
    return target


def account_remove(*, org, account: SettlementAccount, actor=None, origin: Origin | None = None) -> None:
    """Remove an account; when it was the default, the oldest remaining one becomes the default."""
    with transaction.atomic():
        existing = SettlementAccount.objects.for_org(org).select_for_update()
        before = _values(account)
        was_default = account.is_default
        audit_record(
            organization=org,
            actor=actor,
            action="settlement_account_removed",
            obj=account,
            before=before,
            origin=origin,
        )
        account.delete()
        if was_default:
            first = existing.order_by("pk").first()
            if first is not None:
                existing.filter(pk=first.pk).update(is_default=True)
