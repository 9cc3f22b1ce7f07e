"""The test suite's guard of tenant scoping.

Installed by the root `conftest.py` for every test: a query of an organization-owned model
(an `OrgScopedQuerySet`) that *client code* starts from `Model.objects` while a request is being
handled is marked, the mark goes with every clone of the queryset, `for_org()` / `for_org_id()` (and
so `get_object_for_org`) and `unscoped()` remove it, and running a still-marked query raises
`UnscopedQuery`. So a future `Contract.objects.get(pk=pk)`
in a view — or in a selector or helper that a view calls — fails the tests that open the page, and
every page is opened by some test; `get_object_for_org(Contract.objects.select_related(...), org, ...)`
and a correlated subquery (`Message.objects.filter(thread=OuterRef("pk"))`, scoped by its outer row)
pass. A related manager (`contract.documents`) is scoped by the row it hangs on and is not marked.

"Client code" is the first frame of a kabinet module above the ORM. Modules with their own scoping
or no client at all are allowed: services (which take the organization and filter by it themselves),
the admin and the back office, migrations, management commands, tasks, tests and test factories. The
API is guarded too: its one allowed module is the token scope (`kabinet.api.scoping`), so an endpoint
reads organization-owned rows through `TokenScope.queryset()`. A read that is scoped by something else
(the signed-in user's own rows, the lessor's staff) says so with `Model.objects.unscoped()`.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from kabinet.core.models import OrgScopedQuerySet

# Module name patterns (dotted prefixes or a last component) allowed to read unscoped.
ALLOWED_PREFIXES = (
    "kabinet.api.scoping",
    "kabinet.core.admin_site",
    "kabinet.demo.",
    "kabinet.testing",
    "conftest",
    "e2e.",
    "bench.",
)
ALLOWED_LAST = {"admin", "onboarding", "tasks", "header_cache", "conftest"}
ALLOWED_PARTS = {"services", "migrations", "management", "tests"}  # `services` covers a services/ package

_ORM_PREFIXES = ("django.", "rest_framework.", "factory.", "kabinet.core.models", "kabinet.core.scope_guard")


_MODEL_VALIDATION = {
    ("django.db.models.base", "_perform_unique_checks"),
    ("django.db.models.constraints", "validate"),
}


class UnscopedQuery(AssertionError):
    """An organization-owned model was read without `for_org()` from a client view's code path."""


MARK = "_unscoped_origin"


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _allowed(module: str) -> bool:
    parts = module.split(".")
    return (
        module.startswith(ALLOWED_PREFIXES)
        or parts[-1] in ALLOWED_LAST
        or bool(ALLOWED_PARTS.intersection(parts))
        or parts[-1].startswith("test_")
    )


def unscoped_origin() -> str | None:
    """Where client code started an unscoped query during a request ("module:line (function)"), else None."""
    frame: FrameType | None = sys._getframe(2)
    caller: FrameType | None = None
    in_request = False
    while frame is not None:
        module = _module(frame)
        if module == "django.db.models.fields.related_descriptors" and caller is None:
            return None  # a related manager (`contract.documents`): scoped by the row it hangs on
        if caller is None and (module, frame.f_code.co_name) in _MODEL_VALIDATION:
            return None  # `full_clean()`'s uniqueness checks: a yes/no about the row being validated
        if caller is None and not module.startswith(_ORM_PREFIXES):
            caller = frame
        if module == "django.core.handlers.base":
            in_request = True
            break
        frame = frame.f_back
    if caller is None or not in_request:
        return None  # Django's own views (the admin's changelist) or no request at all (a shell, a task)
    module = _module(caller)
    if not module.startswith("kabinet.") or _allowed(module):
        return None
    return f"{module}:{caller.f_lineno} ({caller.f_code.co_name})"


def _raise_if_marked(qs: Any) -> None:
    origin = qs.__dict__.get(MARK)
    if origin:
        raise UnscopedQuery(
            f"{qs.model.__name__}.objects read without .for_org() at {origin} while handling a request: "
            "use get_object_for_org / .for_org(request.org) in a selector (or `.unscoped()` for a read "
            "scoped by something else, e.g. the signed-in user's own rows)."
        )


_saved: dict[tuple[type, str], Any] = {}  # what install() replaced: the class's own attribute, or None
EVALUATING = ("_fetch_all", "_iterator", "count", "exists", "aggregate", "update", "delete", "explain", "contains")


def _replace(cls: type, name: str, make: Any) -> None:
    original = getattr(cls, name)
    _saved[(cls, name)] = cls.__dict__.get(name)
    setattr(cls, name, make(original))


def install() -> None:
    if _saved:
        return

    def marked_init(init: Any) -> Any:
        def wrapper(self: Any, model: Any = None, query: Any = None, *args: Any, **kwargs: Any) -> None:
            init(self, model, query, *args, **kwargs)
            if query is None:  # a new query (`Model.objects…`), not a clone of one
                origin = unscoped_origin()
                if origin:
                    self.__dict__[MARK] = origin

        return wrapper

    def marked_clone(clone: Any) -> Any:
        def wrapper(self: Any) -> Any:
            copy = clone(self)
            origin = self.__dict__.get(MARK)
            if origin:
                setattr(copy, MARK, origin)
            return copy

        return wrapper

    def scoped(entrance: Any) -> Any:
        def wrapper(self: Any, *args: Any) -> Any:
            qs = entrance(self, *args)
            qs.__dict__.pop(MARK, None)
            return qs

        return wrapper

    def checked(method: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            _raise_if_marked(self)
            return method(self, *args, **kwargs)

        return wrapper

    _replace(OrgScopedQuerySet, "__init__", marked_init)
    _replace(OrgScopedQuerySet, "_clone", marked_clone)
    for name in ("for_org", "for_org_id", "unscoped"):
        _replace(OrgScopedQuerySet, name, scoped)
    for name in EVALUATING:
        _replace(OrgScopedQuerySet, name, checked)


def uninstall() -> None:
    for (cls, name), own in _saved.items():
        if own is None:
            delattr(cls, name)
        else:
            setattr(cls, name, own)
    _saved.clear()
