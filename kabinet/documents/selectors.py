"""Reads of «Документы»: the library's lists and search, the contract card's document tabs, pickers of
contracts and requests. See docs/architecture.md."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.query import ValuesListIterable

from kabinet.contracts.models import Contract
from kabinet.core import textsearch
from kabinet.core.db import AnyOfSubquery
from kabinet.core.keyset import KeysetPage, cursor_of, parse_cursor
from kabinet.core.prepared import Prepared
from kabinet.core.prepared_pages import PreparedList
from kabinet.documents.models import Document

SEARCH_FIELDS = ["title", "doc_type", "original_name", "contract__number", "text"]
WORDS = 8  # the words of a search that count (`textsearch.search`'s limit)


def search(documents: QuerySet, q: str, org) -> QuerySet:
    """Keyword search over the name, the type, the file name, the contract number and the text.

    PostgreSQL: full-text search with the Russian configuration (so «договоры» finds «договор»)
    plus substring matching, accelerated by trigram indexes, for numbers in names and contracts.
    SQLite: every word must occur, in any case, in the concatenated fields.
    """
    return textsearch.search(
        documents,
        q,
        fields=SEARCH_FIELDS,
        full_text=lambda documents, q: _full_text(documents, q, org.pk if org is not None else None),
        stemmed=True,
    )


def search_org(org, q: str) -> QuerySet[Document]:
    """The organization's documents matching `q` (the header's search box)."""
    return search(Document.objects.for_org(org), q, org)


def _full_text(documents: QuerySet, q: str, org_id: int | None) -> QuerySet:
    """PostgreSQL: the Russian full-text index, or a substring of the name, the file name or the contract."""
    # No join inside the OR: each branch can use its own index (the full-text GIN, the trigram GINs,
    # and the contracts' trigram index in the subquery), combined by a bitmap OR.
    # The matching contracts are an ARRAY(…) of ids: PostgreSQL runs it once as an InitPlan and the
    # branch stays an index condition (`contract_id = ANY($0)`) inside the bitmap OR — in the same
    # query, where `contract_id IN (SELECT …)` would hide the branches from the planner (measured
    # 100 ms against 5 ms at 50,000 documents).
    scoped = Contract.objects.for_org_id(org_id) if org_id is not None else Contract.objects.for_org(None)
    contracts = scoped.filter(number__icontains=q).values("pk").order_by()[:500]
    condition = (
        Q(search_vector=textsearch.full_text_query(q))
        | Q(title__icontains=q)
        | Q(original_name__icontains=q)
        | Q(AnyOfSubquery(F("contract_id"), contracts))
    )
    return documents.filter(condition)


def document_list(
    org,
    *,
    direction: str,
    product_id: int | None = None,
    doc_type: str = "",
    category: str = "",
    contract_id: int | None = None,
    contract_number: str = "",
    appeal_id: int | None = None,
    appeal_number: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    signature: str = "",
    q: str = "",
    sort: str = "-date",
) -> QuerySet:
    """«Документы»: one organization's incoming or uploaded documents, filtered, searched and sorted by date
    (`signature`: those whose latest signature request has this status)."""
    documents: QuerySet[Document] = Document.objects.for_org(org).filter(direction=direction)
    if product_id:
        documents = documents.filter(product_id=product_id)
    if doc_type:
        documents = documents.filter(doc_type=doc_type)
    if category:
        documents = documents.filter(category=category)
    if contract_id:
        documents = documents.filter(contract_id=contract_id)
    if contract_number:
        documents = documents.filter(contract_id__in=contracts_by_number(org, contract_number))
    if appeal_id:
        documents = documents.filter(appeal_id=appeal_id)
    if appeal_number:
        documents = documents.filter(appeal__number=appeal_number.strip())
    if date_from:
        documents = documents.filter(document_date__gte=date_from)
    if date_to:
        documents = documents.filter(document_date__lte=date_to)
    if signature:
        requests = signature_request_model().objects.filter(document=OuterRef("pk"), status=signature)
        documents = latest_signature_status(documents.filter(Exists(requests)))
        documents = documents.filter(**{"signature_status": signature})  # the annotation: the latest request's
    documents = search(documents, q, org)
    return _in_order(documents, sort).select_related("product", "contract", "appeal").defer("text", "search_vector")


def _in_order(documents: QuerySet, sort: str) -> QuerySet:
    """The list's order: by date, then id (exactly the index `doc_org_dir_date_id`)."""
    return documents.order_by(*(["document_date", "id"] if sort == "date" else ["-document_date", "-id"]))


# What a row of «Документы» shows, read as values (no model instances, no joined models built).
ROW_COLUMNS = (
    "pk",
    "product__name",
    "doc_type",
    "title",
    "original_name",
    "text_status",
    "contract_id",
    "contract__number",
    "appeal_id",
    "appeal__number",
    "document_date",
)


class DocumentRow:
    """A row of «Документы»: the columns of `ROW_COLUMNS`, and the latest signature request's status and
    id once `with_signature_statuses` has set them."""

    __slots__ = (
        "appeal_id",
        "appeal_number",
        "contract_id",
        "contract_number",
        "contract_url",
        "date_text",
        "doc_type",
        "document_date",
        "download_url",
        "original_name",
        "pk",
        "product_name",
        "sign_url",
        "signature_request_pk",
        "signature_status",
        "text_status",
        "title",
    )

    # The document's own rule (the file name on a line of its own when it says more than the name).
    shows_file_name = Document.shows_file_name

    def __init__(
        self,
        pk: int,
        product_name: str | None,
        doc_type: str,
        title: str,
        original_name: str,
        text_status: str,
        contract_id: int | None,
        contract_number: str | None,
        appeal_id: int | None,
        appeal_number: str | None,
        document_date: date,
    ):
        self.pk, self.product_name, self.doc_type, self.title = pk, product_name, doc_type, title
        self.original_name, self.text_status = original_name, text_status
        self.contract_id, self.contract_number, self.appeal_id, self.appeal_number = (
            contract_id,
            contract_number,
            appeal_id,
            appeal_number,
        )
        self.document_date = document_date
        self.signature_status: str | None = None
        self.signature_request_pk: int | None = None
        # The row's links and date as the page prints them: set by the view (`documents.views._rows`).
        self.download_url = self.contract_url = self.sign_url = self.date_text = ""


class _RowIterable(ValuesListIterable):
    def __iter__(self):
        for row in super().__iter__():
            yield DocumentRow(*row)


def _word_search_query(direction: str, sort: str, limit: int):
    def build(org_id: int, day: date | None = None, pk: int | None = None, q: str | None = None, **words: str):
        # `document_list(org, direction=direction, q=…, sort=sort)` as rows, after the cursor (day, pk) as
        # `core.keyset.keyset_page` reads it: on PostgreSQL `q` (full-text), on SQLite the words `w…`.
        documents: QuerySet = Document.objects.for_org_id(org_id).filter(direction=direction)
        documents = textsearch.search(
            documents,
            q if q is not None else " ".join(words[name] for name in sorted(words)),
            fields=SEARCH_FIELDS,
            full_text=lambda documents, q: _full_text(documents, q, org_id),
            stemmed=True,
        )
        if day is not None:
            documents = documents.filter(
                Q(document_date__lte=day) & (Q(document_date__lt=day) | Q(document_date=day, pk__lt=pk))
                if sort != "date"
                else Q(document_date__gte=day) & (Q(document_date__gt=day) | Q(document_date=day, pk__gt=pk))
            )
        return _in_order(documents, sort).values_list(*ROW_COLUMNS)[: limit + 1]

    return build


_WORD_SEARCHES: dict[tuple[str, str, int], PreparedList] = {}


def word_search_page(org, *, direction: str, q: str, sort: str, after: str, limit: int) -> KeysetPage:
    """`keyset_page(document_rows(document_list(org, direction=direction, q=q, sort=sort)), "document_date",
    after=after, limit=limit, descending=sort != "date")`, by a query compiled once per thread and shape
    (the number of words): building the search in the ORM cost more than running it."""
    key = (direction, "date" if sort == "date" else "-date", limit)
    if key not in _WORD_SEARCHES:
        _WORD_SEARCHES[key] = PreparedList(
            _word_search_query(*key), dates=("day",), texts=("q", *(f"w{i}" for i in range(WORDS)))
        )
    q = (q or "").strip()[: textsearch.MAX_QUERY]
    if textsearch.full_text_available():
        terms: dict[str, str] = {"q": q}
    else:
        terms = {f"w{i}": word for i, word in enumerate(textsearch.words(q, limit=WORDS, stemmed=True))}
    position = parse_cursor(after)
    day, pk = position if position else (None, None)
    rows = [DocumentRow(*row) for row in _WORD_SEARCHES[key].rows(org_id=org.pk, day=day, pk=pk, **terms)]
    more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(
        object_list=rows,
        next_cursor=cursor_of(rows[-1], "document_date") if more and rows else "",
        after=after if position else "",
    )


def document_rows(documents: QuerySet) -> QuerySet:
    """`document_list(...)`'s documents as `DocumentRow`s (sliced, ordered and filtered like any queryset)."""
    rows = documents.values_list(*ROW_COLUMNS)
    rows._iterable_class = _RowIterable
    return rows


def _plain_rows_query(direction: str, sort: str):
    def build(org_id: int, offset: int, limit: int) -> QuerySet:
        # `document_list(org, direction=direction, sort=sort)` without a filter, as rows.
        documents = _in_order(Document.objects.for_org_id(org_id).filter(direction=direction), sort)
        return documents.values_list(*ROW_COLUMNS)[offset : offset + limit]

    return build


def _plain_count_query(direction: str, cap: int):
    def build(org_id: int) -> QuerySet:
        return Document.objects.for_org_id(org_id).filter(direction=direction).order_by().values("pk")[: cap + 1]

    return build


_PLAIN_ROWS: dict[tuple[str, str], PreparedList] = {}
_PLAIN_COUNTS: dict[tuple[str, int], PreparedList] = {}


class PlainDocumentRows:
    """The unfiltered list of one direction in one order, for Django's paginator: counted (up to
    `cap` + 1) and sliced by queries compiled once per thread (the list's most common page: building
    them in the ORM cost more than running them)."""

    def __init__(self, org, *, direction: str, sort: str, cap: int):
        self.org_id = org.pk
        order = "date" if sort == "date" else "-date"
        key = (direction, order)
        if key not in _PLAIN_ROWS:
            _PLAIN_ROWS[key] = PreparedList(_plain_rows_query(direction, order), window=True)
        if (direction, cap) not in _PLAIN_COUNTS:
            _PLAIN_COUNTS[direction, cap] = PreparedList(_plain_count_query(direction, cap), count=True)
        self.rows, self.counter = _PLAIN_ROWS[key], _PLAIN_COUNTS[direction, cap]

    def count(self) -> int:
        """How many documents, counting no further than `cap` + 1."""
        return self.counter.count(org_id=self.org_id)

    def __getitem__(self, window: slice) -> list[DocumentRow]:
        offset = window.start or 0
        if window.stop <= offset:
            return []  # as an empty slice of a queryset: no query
        return [
            DocumentRow(*row) for row in self.rows.rows(org_id=self.org_id, offset=offset, limit=window.stop - offset)
        ]


def signature_request_model():
    """The signature request model (kabinet.signatures sits a floor above and is not imported), reached
    through the document's own relation."""
    return Document._meta.get_field("signature_requests").related_model


def latest_signature_status(documents: QuerySet) -> QuerySet:
    """Each document's latest signature request's status as `signature_status` (the list's filter)."""
    latest = signature_request_model().objects.filter(document=OuterRef("pk")).order_by("-created_at", "-id")
    return documents.annotate(signature_status=Subquery(latest.values("status")[:1]))


def with_signature_statuses(org, documents: list[Any]) -> list[Any]:
    """The page's rows, each with its latest signature request (`signature_status`, `signature_request_pk`;
    None when it was never put «на подпись»): one query for the whole page, whatever its length, read by
    plain SQL (the list's call budget: it runs on every page of «Документы»)."""
    latest: dict[int, tuple[str, int]] = {}
    ids = [d.pk for d in documents]
    if ids and org is not None:
        table = connection.ops.quote_name(signature_request_model()._meta.db_table)
        marks = ", ".join(["%s"] * len(ids))
        where = f"WHERE organization_id = %s AND document_id IN ({marks})"
        sql = f"SELECT document_id, status, id FROM {table} {where} ORDER BY document_id, created_at DESC, id DESC"  # noqa: S608  # nosec B608 (a quoted model table; values are bound parameters)
        with connection.cursor() as cursor:
            cursor.execute(sql, [org.pk, *ids])
            for document_id, status, pk in cursor.fetchall():
                latest.setdefault(document_id, (status, pk))
    for document in documents:
        status, pk = latest.get(document.pk, (None, None))
        document.signature_status, document.signature_request_pk = status, pk  # type: ignore[attr-defined]
    return documents


def documents_by_ids(org, ids) -> QuerySet[Document]:
    """The organization's documents among `ids` (a foreign or unknown id is simply not there), newest first."""
    return Document.objects.for_org(org).filter(pk__in=ids).order_by("-document_date", "-id")


def contracts_by_number(org, number: str) -> QuerySet:
    """The contract filter of «Документы» as a subquery (no query of its own): the contract with exactly
    this number (any case) when there is one, otherwise every contract whose number contains it."""
    number = number.strip()[:64]
    contracts = Contract.objects.for_org(org)
    exact = contracts.filter(number__iexact=number)
    return contracts.filter(Q(number__iexact=number) | (Q(number__icontains=number) & ~Exists(exact))).values("pk")


def contract_suggestions(org, text: str, limit: int = 10) -> list[Contract]:
    """The contract picker: the first contracts whose number contains what was typed."""
    text = (text or "").strip()[:64]
    contracts = Contract.objects.for_org(org).only("id", "number", "start_date").order_by("number")
    if text:
        contracts = contracts.filter(number__icontains=text)
    return list(contracts[:limit])


_TYPES_SQL = """
WITH RECURSIVE types(doc_type) AS (
    SELECT (SELECT doc_type FROM documents_document
            WHERE organization_id = %s AND direction = %s ORDER BY doc_type LIMIT 1)
    UNION ALL
    SELECT (SELECT d.doc_type FROM documents_document d
            WHERE d.organization_id = %s AND d.direction = %s AND d.doc_type > types.doc_type
            ORDER BY d.doc_type LIMIT 1)
    FROM types WHERE types.doc_type IS NOT NULL
)
SELECT doc_type FROM types WHERE doc_type IS NOT NULL
"""


def document_types(org, direction: str) -> list[str]:
    """The distinct document types, read as a loose index scan over `doc_org_dir_type`: one index probe
    per type, not a pass over every document of the organization (100,000 for the largest)."""
    if org is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_TYPES_SQL, [org.pk, direction, org.pk, direction])
        return [row[0] for row in cursor.fetchall()]


def _contract_documents_query(
    org_id: int, contract_id: int, date_from: date | None = None, date_to: date | None = None, *, category: str
) -> QuerySet[Document]:
    documents = Document.objects.for_org_id(org_id).filter(contract_id=contract_id, category=category)
    if date_from:
        documents = documents.filter(document_date__gte=date_from)
    if date_to:
        documents = documents.filter(document_date__lte=date_to)
    return documents.defer("text", "search_vector").order_by("doc_type", "-document_date", "-pk")


def _contract_document_types_query(org_id: int, contract_id: int, *, category: str) -> QuerySet:
    return (
        Document.objects.for_org_id(org_id)
        .filter(contract_id=contract_id, category=category)
        .order_by("doc_type")
        .values_list("doc_type", flat=True)
        .distinct()
    )


# The card's document tabs, compiled once per thread and category: opening a tab (or filtering it by
# dates) built these queries in the ORM at a greater cost than running them. A kind or words typed in
# the filter take the queryset's own way.
_CONTRACT_DOCUMENTS = {
    category: Prepared(partial(_contract_documents_query, category=category), dates=("date_from", "date_to"))
    for category in Document.Category.values
}
_CONTRACT_DOCUMENT_TYPES = {
    category: Prepared(partial(_contract_document_types_query, category=category))
    for category in Document.Category.values
}


def contract_documents(
    org,
    contract,
    *,
    category: str,
    doc_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> list[Document]:
    """A contract card's «Документы по сделке» / «Бухгалтерские документы», grouped by type."""
    if org is not None and not doc_type and not (q or "").strip():
        return _CONTRACT_DOCUMENTS[category].objects(
            org_id=org.pk, contract_id=contract.pk, date_from=date_from or None, date_to=date_to or None
        )
    documents = Document.objects.for_org(org).filter(contract=contract, category=category)
    if doc_type:
        documents = documents.filter(doc_type=doc_type)
    if date_from:
        documents = documents.filter(document_date__gte=date_from)
    if date_to:
        documents = documents.filter(document_date__lte=date_to)
    return list(search(documents, q, org).defer("text", "search_vector").order_by("doc_type", "-document_date", "-pk"))


def contract_document_types(org, contract, category: str) -> list[str]:
    if org is None:
        return []
    return [doc_type for (doc_type,) in _CONTRACT_DOCUMENT_TYPES[category].rows(org_id=org.pk, contract_id=contract.pk)]


def appeal_model():
    """The request model a document can be tied to, reached through the document's own relation: the
    appeals app is a floor above documents (it files its attachments here) and is not imported."""
    return Document._meta.get_field("appeal").related_model


def appeal_suggestions(org, text: str, limit: int = 10) -> list:
    """The request picker («Заявка» in the filter and the upload form): the latest requests whose
    number contains what was typed (an organization may have thousands: no list of them all)."""
    text = (text or "").strip()[:32]
    appeals = appeal_model().objects.for_org(org).only("id", "number", "created_at").order_by("-created_at")
    if text:
        appeals = appeals.filter(number__icontains=text)
    return list(appeals[:limit])


def appeal_by_number(org, number: str):
    """The organization's request with this number, or None."""
    return appeal_model().objects.for_org(org).filter(number=number.strip()).first()
