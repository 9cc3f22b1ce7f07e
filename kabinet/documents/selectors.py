from __future__ import annotations

from datetime import date

from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat

from kabinet.core.db import Casefold
from kabinet.documents.models import Document


def search(documents: QuerySet, q: str) -> QuerySet:
    """Keyword search over the name, the type, the file name and the extracted text (any case)."""
    words = [w.casefold() for w in (q or "").split() if w.strip()]
    if not words:
        return documents
    haystack = Casefold(
        Concat(
            "title",
            Value(" "),
            "doc_type",
            Value(" "),
            "original_name",
            Value(" "),
            Coalesce("text", Value(""), output_field=TextField()),
            output_field=TextField(),
        )
    )
    documents = documents.annotate(haystack=haystack)
    for word in words[:8]:
        documents = documents.filter(haystack__contains=word)
    return documents


def contract_documents(
    org,
    contract,
    *,
    category: str,
    doc_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet:
    """A contract card's «Документы по сделке» / «Бухгалтерские документы», grouped by type."""
    documents = Document.objects.for_org(org).filter(contract=contract, category=category)
    if doc_type:
        documents = documents.filter(doc_type=doc_type)
    if date_from:
        documents = documents.filter(document_date__gte=date_from)
    if date_to:
        documents = documents.filter(document_date__lte=date_to)
    return search(documents, q).order_by("doc_type", "-document_date", "-pk")


def contract_document_types(org, contract, category: str) -> list[str]:
    return list(
        Document.objects.for_org(org)
        .filter(contract=contract, category=category)
        .order_by("doc_type")
        .values_list("doc_type", flat=True)
        .distinct()
    )
