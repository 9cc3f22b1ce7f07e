"""The two-sided акт сверки: the client's data (kabinet/statements/client_data.py) against the books'
entries of the same period — the ledger's statement, the selector the акт сверки itself is drawn from
(`kabinet.contracts.ledger.statement`).

Entries are matched on their side (the client's side is mirrored: its debit is the books' credit), amount,
date and document number: the same amount, date and number (or no number on one side) is a match; the
same amount and number on another date, the same amount and date with another number, or the same date
and number with another amount is a line that differs (and says in what); the rest is only in the
client's data or only in the books. The result is frozen on the upload, so the page reopens as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kabinet.audit.services import audit_record
from kabinet.contracts import ledger
from kabinet.core.files import clean_filename
from kabinet.core.net import Origin
from kabinet.statements import client_data
from kabinet.statements.client_data import ClientDataError
from kabinet.statements.models import Reconciliation

ZERO = Decimal("0.00")
MATCH, DIFFERS, ONLY_CLIENT, ONLY_BOOKS = "match", "differs", "only_client", "only_books"
STATUS_LABELS = {
    MATCH: gettext_lazy("Matches"),
    DIFFERS: gettext_lazy("Differs"),
    ONLY_CLIENT: gettext_lazy("Only in the client's data"),
    ONLY_BOOKS: gettext_lazy("Only in the books"),
}

__all__ = ["ClientDataError", "reconciliation_compare", "reconciliation_upload"]


@dataclass
class _Side:
    day: date
    document: str
    number: str
    debit: Decimal
    credit: Decimal
    text: str = ""
    row: int | None = None

    @property
    def side(self) -> str:
        return "debit" if self.debit - self.credit >= 0 else "credit"

    @property
    def amount(self) -> Decimal:
        return abs(self.debit - self.credit)

    def as_json(self) -> dict:
        return {
            "date": self.day.isoformat(),
            "document": self.document,
            "text": self.text,
            "debit": str(self.debit),
            "credit": str(self.credit),
            "row": self.row,
        }


def _numbers_agree(a: _Side, b: _Side) -> bool:
    return not a.number or not b.number or a.number == b.number


def match(books: list[_Side], client: list[_Side]) -> list[dict]:
    """The lines of the comparison in date order: (status, what differs, books' side, client's side)."""
    left_books = list(range(len(books)))
    left_client = list(range(len(client)))
    lines: list[dict] = []

    def take(rule, status: str, what: str) -> None:
        for b in list(left_books):
            for c in left_client:
                if books[b].side == client[c].side and rule(books[b], client[c]):
                    left_books.remove(b)
                    left_client.remove(c)
                    lines.append({"status": status, "what": what, "books": books[b], "client": client[c]})
                    break

    take(lambda b, c: b.amount == c.amount and b.day == c.day and _numbers_agree(b, c), MATCH, "")
    take(lambda b, c: b.amount == c.amount and b.number and b.number == c.number, DIFFERS, "date")
    take(lambda b, c: b.amount == c.amount and b.day == c.day, DIFFERS, "document")
    take(lambda b, c: b.day == c.day and b.number and b.number == c.number, DIFFERS, "amount")
    lines += [{"status": ONLY_BOOKS, "what": "", "books": books[b], "client": None} for b in left_books]
    lines += [{"status": ONLY_CLIENT, "what": "", "books": None, "client": client[c]} for c in left_client]
    lines.sort(key=lambda line: ((line["books"] or line["client"]).day, line["books"] is None))
    return [
        {
            "status": line["status"],
            "what": line["what"],
            "books": line["books"].as_json() if line["books"] else None,
            "client": line["client"].as_json() if line["client"] else None,
        }
        for line in lines
    ]


def _books(org, reconciliation: Reconciliation) -> tuple[list[_Side], ledger.Statement]:
    contract = reconciliation.contract
    figures = ledger.statement(
        org,
        start=reconciliation.start,
        end=reconciliation.end,
        contract=contract,
        creditor=reconciliation.creditor if contract is None else None,
    )
    sides = [
        _Side(
            day=e.date,
            document=e.document,
            number=client_data.document_number(e.document),
            debit=e.debit,
            credit=e.credit,
            text=e.description,
        )
        for e in figures.entries
    ]
    return sides, figures


def reconciliation_upload(
    *, org, actor, creditor, contract, start: date, end: date, uploaded, origin: Origin | None = None
) -> Reconciliation:
    """Read the uploaded file into its table and guessed columns and keep both with the file; a file that
    cannot be read raises ClientDataError and nothing is kept."""
    client_data.check_size(uploaded.size)  # before the file is read into memory
    content = uploaded.read()
    name = clean_filename(uploaded.name)
    table = client_data.read_table(content, name)
    with transaction.atomic():
        reconciliation = Reconciliation(
            organization=org,
            creditor=creditor,
            contract=contract,
            start=start,
            end=end,
            filename=name,
            kind=table.kind,
            table={"header": table.header, "rows": table.rows},
            mapping=table.guess,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        reconciliation.file.save(name, ContentFile(content), save=False)
        reconciliation.save()
    return reconciliation


def _table(reconciliation: Reconciliation) -> client_data.Table:
    return client_data.Table(
        kind=reconciliation.kind,
        header=list(reconciliation.table.get("header", [])),
        rows=[(int(n), list(cells)) for n, cells in reconciliation.table.get("rows", [])],
        guess=dict(reconciliation.mapping),
    )


def reconciliation_compare(
    *, org, reconciliation: Reconciliation, mapping: dict[str, int | None], actor=None, origin: Origin | None = None
) -> Reconciliation:
    """Compare by the confirmed columns and freeze the result on the upload (in one transaction); a row
    that cannot be read raises ClientDataError and the upload stays as it was."""
    found = client_data.entries(_table(reconciliation), mapping, start=reconciliation.start, end=reconciliation.end)
    books, figures = _books(org, reconciliation)
    client = [
        _Side(day=e.day, document=e.document, number=e.number, debit=e.debit, credit=e.credit, row=e.row)
        for e in found.entries
    ]
    lines = match(books, client)
    client_debit = sum((e.debit for e in found.entries), ZERO)
    client_credit = sum((e.credit for e in found.entries), ZERO)
    client_opening = found.opening if found.opening is not None else figures.opening
    computed_closing = client_opening + client_debit - client_credit
    result = {
        "lines": lines,
        "books": {
            "opening": str(figures.opening),
            "debit": str(figures.debit_total),
            "credit": str(figures.credit_total),
            "closing": str(figures.closing),
        },
        "client": {
            "opening": str(client_opening),
            "opening_stated": found.opening is not None,
            "debit": str(client_debit),
            "credit": str(client_credit),
            "closing": str(found.closing if found.closing is not None else computed_closing),
            "closing_stated": found.closing is not None,
        },
        "outside": found.outside,
        "counts": {
            status: sum(1 for line in lines if line["status"] == status)
            for status in (MATCH, DIFFERS, ONLY_CLIENT, ONLY_BOOKS)
        },
    }
    differences = sum(1 for line in lines if line["status"] != MATCH)
    with transaction.atomic():
        locked = Reconciliation.objects.for_org(org).select_for_update().get(pk=reconciliation.pk)
        locked.mapping = {role: mapping.get(role) for role in client_data.ROLES}
        locked.result = result
        locked.differences = differences
        locked.status = Reconciliation.Status.COMPARED
        locked.compared_at = timezone.now()
        locked.save(update_fields=["mapping", "result", "differences", "status", "compared_at", "updated_at"])
        audit_record(
            organization=org,
            actor=actor,
            action="reconciliation_compared",
            obj=locked,
            after={
                "file": locked.filename,
                "start": locked.start.isoformat(),
                "end": locked.end.isoformat(),
                "differences": differences,
            },
            origin=origin,
        )
    return locked
