"""One numbering scheme for what a client quotes to the lessor's staff.

A number is a two-letter series, a dash and seven digits from the series' own counter, with no
date in it and no «№» in front: requests «Заявки» are `UC-0004607` (the series of the manual),
support appeals are `TP-0000012` («техподдержка»). Invoices keep the accounting series of their
own (`2026-000123`, per creditor and year), which the tax rules ask for.
"""

from __future__ import annotations

REQUEST_SERIES = "UC"
SUPPORT_SERIES = "TP"


def client_number(series: str, sequence: int) -> str:
    return f"{series}-{sequence:07d}"
