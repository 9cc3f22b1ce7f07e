"""What every page needs before its own work, cached: a user's active memberships, the creditors of
the header (and their products, for the lists' filters) and the unread-notifications count.

Every request used to read these three from the database. They change rarely,
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

This module is the mechanism only (keys, generations, invalidation); each app owning a cached model
registers it with `track()` and keeps its reads in its own `header_cache` module
(`kabinet.organizations.header_cache`, `kabinet.creditors.header_cache`,
`kabinet.notifications.header_cache`), so the ground floor imports no app.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

TTL = 600  # seconds; a backstop, correctness comes from the generations
CREDITORS = "creditors"


def _gen_key(scope: str) -> str:
    return f"kb:h:gen:{scope}"


def user_scope(user_id: int) -> str:
    return f"u{user_id}"


def generation(scope: str) -> int:
    """The scope's current generation (a new random one when missing)."""
    return _generation(scope)


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
    bump({user_scope(uid) for uid in user_ids if uid is not None})


def bump_creditors() -> None:
    bump({CREDITORS})


# --- reads -------------------------------------------------------------------------------------


def phone_scope(phone) -> str:
    return f"ph{phone}"


def cached(name: str, scope: str, compute: Callable[[], Any], *parts: object) -> Any:
    """The value under `kb:h:<name>:<parts…>:<generation of scope>`, computed and stored on a miss.

    The reads themselves live with their models (`organizations`, `creditors`, `notifications` each
    have a `header_cache` module), so this floor imports no app."""
    key = ":".join(["kb:h", name, *(str(p) for p in parts), str(_generation(scope))])
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TTL)
    return found


# --- what a write touches ----------------------------------------------------------------------
# Each app registers the models whose writes invalidate (`track`), with the scopes a set of rows or
# a queryset touches; the signals and HeaderCacheQuerySetMixin look them up by the model's label.

_ROWS: dict[str, Callable[[list], set[str]]] = {}
_QUERYSETS: dict[str, Callable[[models.QuerySet], set[str]]] = {}


def track(
    model: type[models.Model],
    *,
    rows: Callable[[list], set[str]],
    queryset: Callable[[models.QuerySet], set[str]],
) -> None:
    """Invalidate on every write of `model`: `post_save`/`post_delete` for single rows, and (through
    the model's manager built on HeaderCacheQuerySetMixin) `update()` and `bulk_create()`."""
    label = model._meta.label
    _ROWS[label] = rows
    _QUERYSETS[label] = queryset
    post_save.connect(_on_change, sender=model, dispatch_uid=f"header-cache-save-{label}")
    post_delete.connect(_on_change, sender=model, dispatch_uid=f"header-cache-delete-{label}")


def users_of_rows(rows: list) -> set[str]:
    return {user_scope(r.user_id) for r in rows if r.user_id}


def users_of_queryset(queryset: models.QuerySet) -> set[str]:
    return {user_scope(uid) for uid in queryset.order_by().values_list("user_id", flat=True).distinct()}


def _scopes_of_rows(model, rows: list) -> set[str]:
    scopes = _ROWS.get(model._meta.label)
    return scopes(rows) if scopes else set()


def _scopes_of_queryset(queryset: models.QuerySet) -> set[str]:
    scopes = _QUERYSETS.get(queryset.model._meta.label)
    return scopes(queryset) if scopes else set()


class HeaderCacheQuerySetMixin:
    """`update()` and `bulk_create()` send no signals: invalidate here."""

    def update(self, **kwargs):
        scopes = _scopes_of_queryset(self)  # type: ignore[arg-type]  # a mixin of QuerySet subclasses
        count = super().update(**kwargs)  # type: ignore[misc]  # QuerySet.update, after the mixin
        bump(scopes)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)  # type: ignore[misc]  # the QuerySet's
        bump(_scopes_of_rows(self.model, list(created)))  # type: ignore[attr-defined]  # the QuerySet's model
        return created


class HeaderCacheQuerySet(HeaderCacheQuerySetMixin, models.QuerySet):
    pass


HeaderCacheManager = models.Manager.from_queryset(HeaderCacheQuerySet)


def _on_change(sender, instance, **kwargs):
    bump(_scopes_of_rows(sender, [instance]))
