"""The support messages a person wrote, in their copy of the personal data (registered with
`kabinet.accounts.exports` from SupportConfig.ready)."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.exports import Section, when
from kabinet.support.models import SupportMessage


def export(user) -> list[dict[str, Any]]:
    return [
        {"thread": m.thread.number, "created_at": when(m.created_at), "text": m.body}
        for m in SupportMessage.objects.unscoped()
        .filter(author=user, from_staff=False)
        .select_related("thread")
        .order_by("created_at")
    ]


SECTION = Section(key="support_messages", export=export)
