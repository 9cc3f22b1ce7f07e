from __future__ import annotations

from kabinet.creditors import header_cache
from kabinet.creditors.models import Creditor

SESSION_KEY = "kabinet_creditor_id"


def current_creditor(request) -> Creditor | None:
    """The creditor section open in the header: the one the user chose, else the default one."""
    if hasattr(request, "_kabinet_creditor"):
        return request._kabinet_creditor
    creditors = header_cache.creditors()
    wanted = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    chosen = next((c for c in creditors if c.pk == wanted), creditors[0] if creditors else None)
    request._kabinet_creditor = chosen
    request._kabinet_creditors = creditors
    return chosen


def all_creditors(request) -> list[Creditor]:
    current_creditor(request)
    return request._kabinet_creditors


def section_filter(request) -> Creditor | None:
    """The creditor to filter lists by: only when the installation serves several creditors.

    With one creditor every row is in its section, and the join the filter needs is skipped.
    """
    creditor = current_creditor(request)
    return creditor if len(all_creditors(request)) > 1 else None
