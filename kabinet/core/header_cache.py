"""What every page needs before its own work, cached: a user's active memberships, the creditors of
the header (and their products, for the lists' filters) and the unread-notifications count.

Every request used to read these three from the database (issue 12, point 3). They change rarely,
so they are kept in Django's cache (local memory or Redis, whichever `CACHES` says) under keys that
carry a *generation*:

    kb:h:gen:u<user id>           the generation of one user's memberships and unread counts
    kb:h:mem:<user id>:<gen>      that user's active memberships (with their organizations)
    kb:h:unread:<user>:<org>:<gen>
    kb:h:gen:creditors / kb:h:creditors:<gen>

A change bumps the generation (at once and again after the transaction commits), so a reader that
raced the writer can only have stored the old value under the old generation, which nobody reads
any more. Every write path bumps it: `post_save`/`post_delete` signals for single rows, and the
managers of `Membership`, `Organization`, `Notification`, `Creditor` and `Product` for `update()` and
`bulk_create()`, which send no signals. A missing generation (evicted, or a fresh cache) starts at a
new random value, so an old entry can never be read again.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

TTL = 600  # seconds; a backstop, correctness comes from the generations
CREDITORS = "creditors"


def _gen_key(scope: str) -> str:
    return f"kb:h:gen:{scope}"


def _user_scope(user_id: int) -> str:
    return f"u{user_id}"


def _generation(scope: str) -> int:
    key = _gen_key(scope)
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbelow(2**62), None)
        value = cache.get(key)
    return value


def _bump_now(scopes: set[str]) -> None:
    for scope in scopes:
        key = _gen_key(scope)
        try:
            cache.incr(key)
        except ValueError:  # missing: any fresh random start differs from what readers saw
            cache.set(key, secrets.randbelow(2**62), None)


def bump(scopes: set[str]) -> None:
    """Invalidate: now (so this request sees its own change) and after commit (so no reader that
    read the database before the commit can have stored its stale answer under the live generation)."""
    if not scopes:
        return
    _bump_now(scopes)
    transaction.on_commit(lambda: _bump_now(scopes))


def bump_users(user_ids) -> None:
    bump({_user_scope(uid) for uid in user_ids if uid is not None})


def bump_creditors() -> None:
    bump({CREDITORS})


# --- reads -------------------------------------------------------------------------------------


def memberships(user) -> list:
    from kabinet.organizations.selectors import active_memberships

    key = f"kb:h:mem:{user.pk}:{_generation(_user_scope(user.pk))}"
    found = cache.get(key)
    if found is None:
        found = active_memberships(user)
        cache.set(key, found, TTL)
    return found


def creditors() -> list:
    from kabinet.creditors.models import Creditor

    key = f"kb:h:creditors:{_generation(CREDITORS)}"
    found = cache.get(key)
    if found is None:
        found = list(Creditor.objects.all())
        cache.set(key, found, TTL)
    return found


def products(creditor) -> list:
    """The creditor's products (the lists' «Продукт» filter), in their order; invalidated with the creditors."""
    from kabinet.creditors.models import Product

    if creditor is None:
        return []
    key = f"kb:h:products:{creditor.pk}:{_generation(CREDITORS)}"
    found = cache.get(key)
    if found is None:
        found = list(Product.objects.filter(creditor_id=creditor.pk))
        cache.set(key, found, TTL)
    return found


def unread_count(user, org) -> int:
    from kabinet.notifications.models import Notification

    if org is None:
        return 0
    key = f"kb:h:unread:{user.pk}:{org.pk}:{_generation(_user_scope(user.pk))}"
    found = cache.get(key)
    if found is None:
        found = Notification.objects.for_org(org).filter(user=user, read_at__isnull=True).count()
        cache.set(key, found, TTL)
    return found


def _phone_scope(phone) -> str:
    return f"ph{phone}"


def pending_invitations(user) -> list:
    """The invitations waiting for this signed-in person (by the phone they confirmed), cached per phone;
    one that expired since is dropped when read."""
    from django.utils import timezone

    from kabinet.organizations.employees import pending_invitations_for

    key = f"kb:h:inv:{user.pk}:{_generation(_phone_scope(user.phone))}"
    found = cache.get(key)
    if found is None:
        found = pending_invitations_for(user)
        cache.set(key, found, TTL)
    now = timezone.now()
    return [i for i in found if i.expires_at > now]


# --- what a write touches ----------------------------------------------------------------------


def _scopes_of_rows(model, rows: list) -> set[str]:
    label = model._meta.label
    if label in ("organizations.Membership", "notifications.Notification"):
        return {_user_scope(r.user_id) for r in rows if r.user_id}
    if label == "organizations.Organization":
        return _scopes_of_orgs([r.pk for r in rows if r.pk])
    if label in ("creditors.Creditor", "creditors.Product"):
        return {CREDITORS}
    if label == "organizations.Invitation":
        return {_phone_scope(r.phone) for r in rows if r.phone}
    return set()


def _scopes_of_orgs(org_ids) -> set[str]:
    from kabinet.organizations.models import Invitation, Membership

    org_ids = list(org_ids)
    users = Membership.objects.filter(organization_id__in=org_ids).values_list("user_id", flat=True)
    phones = Invitation.objects.filter(organization_id__in=org_ids, status="pending").values_list("phone", flat=True)
    return {_user_scope(uid) for uid in users} | {_phone_scope(p) for p in phones}


def _scopes_of_queryset(queryset: models.QuerySet) -> set[str]:
    label = queryset.model._meta.label
    if label in ("organizations.Membership", "notifications.Notification"):
        return {_user_scope(uid) for uid in queryset.order_by().values_list("user_id", flat=True).distinct()}
    if label == "organizations.Organization":
        return _scopes_of_orgs(queryset.order_by().values_list("pk", flat=True))
    if label in ("creditors.Creditor", "creditors.Product"):
        return {CREDITORS}
    if label == "organizations.Invitation":
        return {_phone_scope(p) for p in queryset.order_by().values_list("phone", flat=True).distinct()}
    return set()


class HeaderCacheQuerySetMixin:
    """`update()` and `bulk_create()` send no signals: invalidate here."""

    def update(self, **kwargs):
        scopes = _scopes_of_queryset(self)  # type: ignore[arg-type]
        count = super().update(**kwargs)  # type: ignore[misc]
        bump(scopes)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)  # type: ignore[misc]
        bump(_scopes_of_rows(self.model, list(created)))  # type: ignore[attr-defined]
        return created


class HeaderCacheQuerySet(HeaderCacheQuerySetMixin, models.QuerySet):
    pass


HeaderCacheManager = models.Manager.from_queryset(HeaderCacheQuerySet)


def _on_change(sender, instance, **kwargs):
    bump(_scopes_of_rows(sender, [instance]))


def connect_signals() -> None:
    from kabinet.creditors.models import Creditor, Product
    from kabinet.notifications.models import Notification
    from kabinet.organizations.models import Invitation, Membership, Organization

    for model in (Membership, Organization, Notification, Creditor, Product, Invitation):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"header-cache-save-{model._meta.label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"header-cache-delete-{model._meta.label}")
