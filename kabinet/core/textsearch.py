"""Text search that works on PostgreSQL and on SQLite, decided here once.

`search(queryset, q, fields=…, full_text=…)` is what a selector calls with the person's words:

- on PostgreSQL, when the list has a full-text search of its own (`full_text`, e.g. the documents'
  `search_vector` with the Russian configuration and trigram-indexed substrings), that runs;
- otherwise (SQLite, or a list without an index of its own) every word must occur, in any case and in
  any alphabet (`Casefold`, which SQLite gets from Python), in the fields joined by spaces. With
  `stem=True` a word loses its commonest Russian ending first, so «договоры» finds «договор» without
  a real stemmer (PostgreSQL has one).

`full_text_query(q)` and `full_text_vector(...)` build the PostgreSQL side with one configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat

from kabinet.core.db import Casefold

CONFIG = "russian"
MAX_QUERY = 200

# The commonest Russian inflections, longest first: enough for «договоры» to find «договор» without a
# full stemmer (PostgreSQL has the real one).
_ENDINGS = sorted(
    "ами ями ого его ому ему ыми ими ов ев ей ам ям ах ях ом ем ой ую юю ая яя ое ее ые ие ый ий "  # noqa: SIM905
    "а я ы и у ю е о ь".split(),
    key=len,
    reverse=True,
)


def stem(word: str) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def full_text_available() -> bool:
    """PostgreSQL has the full-text index (`search_vector`); SQLite has none and needs none."""
    return connection.vendor == "postgresql"


def full_text_query(q: str):
    from django.contrib.postgres.search import SearchQuery  # reason: PostgreSQL only (needs psycopg)

    return SearchQuery(q, config=CONFIG, search_type="websearch")


def full_text_vector(**weights: Sequence[str]):
    """`full_text_vector(A=["title"], B=["doc_type", "original_name"], C=["text"])`."""
    from django.contrib.postgres.search import SearchVector  # reason: PostgreSQL only (needs psycopg)

    vectors = [SearchVector(name, weight=weight, config=CONFIG) for weight, names in weights.items() for name in names]
    combined: Any = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def words(q: str, *, limit: int, stemmed: bool = False) -> list[str]:
    found = [w.casefold() for w in (q or "").split()][:limit]
    return [stem(w) for w in found] if stemmed else found


def every_word(queryset: QuerySet, q: str, fields: Sequence[str], *, limit: int = 8, stemmed: bool = False) -> QuerySet:
    """Each word occurs (any case) in the fields joined by spaces; an empty field counts as ''."""
    found = words(q, limit=limit, stemmed=stemmed)
    if not found:
        return queryset
    parts: list[Any] = []
    for name in fields:
        if parts:
            parts.append(Value(" "))
        parts.append(Coalesce(F(name), Value(""), output_field=TextField()))
    haystack = Casefold(Concat(*parts, output_field=TextField()) if len(parts) > 1 else parts[0])
    queryset = queryset.annotate(kb_haystack=haystack)
    for word in found:
        queryset = queryset.filter(kb_haystack__contains=word)
    return queryset


def any_field_contains(queryset: QuerySet, q: str, fields: Sequence[str]) -> QuerySet:
    """The whole phrase occurs (any case) in one of the fields."""
    phrase = (q or "").strip().casefold()
    if not phrase:
        return queryset
    names = {f"kb_{name}": Casefold(name) for name in fields}
    condition = Q()
    for alias in names:
        condition |= Q(**{f"{alias}__contains": phrase})
    return queryset.annotate(**names).filter(condition)


def search(
    queryset: QuerySet,
    q: str,
    *,
    fields: Sequence[str],
    full_text: Callable[[QuerySet, str], QuerySet] | None = None,
    limit: int = 8,
    stemmed: bool = False,
) -> QuerySet:
    """The one place that picks PostgreSQL's full-text search or the every-word fallback."""
    q = (q or "").strip()[:MAX_QUERY]
    if not q:
        return queryset
    if full_text is not None and full_text_available():
        return full_text(queryset, q)
    return every_word(queryset, q, fields, limit=limit, stemmed=stemmed)
