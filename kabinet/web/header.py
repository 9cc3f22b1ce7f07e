"""The header and its menus, rendered once per (user, organization, creditor section, page section,
language, version of what they show) and reused from the cache until something they show changes.

What the header shows comes from the header cache (`kabinet.core.header_cache`): the user's memberships
and organizations and the unread count under the user's generation, the creditors under theirs. The
rendered HTML is kept under a key carrying both generations, so a write that bumps either (a renamed
organization, a membership, a read notice, a creditor's colours) makes the next page render it afresh;
the user's own name and phone are in the key too. Nothing per request is in the kept HTML: its forms'
CSRF inputs and the organization switcher's «next» are stand-ins, replaced on every page with this
request's (`_CSRF`, `_NEXT`). An htmx fragment renders no header at all (a block of its template, and
the context processor gives it none of the header's data).
"""

from __future__ import annotations

import hashlib
from typing import Any

import jinja2
from django.utils.translation import get_language
from markupsafe import Markup, escape

from kabinet.core.header_cache import CREDITORS, cached, generation, user_scope

TEMPLATE = "components/header.html"
# Stand-ins of the per-request values: characters no rendered header contains.
_CSRF = "\x00kb-csrf\x00"
_NEXT = "\x00kb-next\x00"


def _pk(value: Any) -> Any:
    return getattr(value, "pk", None) if value else None


def _render(context: jinja2.runtime.Context) -> str:
    names = ("user", "current_org", "creditor", "creditors", "switcher_memberships", "unread_notifications", "section")
    values = {name: context.get(name) for name in names}
    # Our own constants, marked safe so the template puts them in as they are (and they are found again).
    # The header's forms use `csrf_input` only (`csrf_token` is not given: it would print nothing).
    stand_ins = {"csrf_input": Markup(_CSRF), "switch_next": Markup(_NEXT)}  # noqa: S704  # nosec B704 (constants)
    values.update(stand_ins)
    return context.environment.get_template(TEMPLATE).render(values)


@jinja2.pass_context
def header(context: jinja2.runtime.Context, switch_next: str) -> Markup:
    """`{{ header(self.switch_next()) }}` in base.html: the kept header with this request's CSRF input and
    the switcher's «next» put in."""
    user = context.get("user")
    who = hashlib.blake2b(f"{user.phone}|{user.get_short_name()}".encode(), digest_size=8).hexdigest()
    html = cached(
        "html",
        user_scope(user.pk),
        lambda: _render(context),
        user.pk,
        _pk(context.get("current_org")),
        _pk(context.get("creditor")),
        context.get("section") or "",
        get_language() or "",
        generation(CREDITORS),
        who,
    )
    # The kept HTML was rendered by the escaping environment; the CSRF input is Django's markup, the «next»
    # escaped here.
    page = html.replace(_CSRF, str(context.get("csrf_input") or "")).replace(_NEXT, str(escape(switch_next)))
    return Markup(page)  # noqa: S704  # nosec B704 (escaped by the environment; next escaped above)
