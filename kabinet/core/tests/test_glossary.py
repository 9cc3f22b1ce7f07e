"""One word for one thing: the translations and every model's status labels follow docs/glossary.md.
Fails when one status has two spellings («Активный» and «Активен»), on «еще» for «ещё», and when a
word of the glossary is translated otherwise."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
GLOSSARY = ROOT / "docs" / "glossary.md"
PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[А-Яа-яЁё]+")
# Verbs on buttons («Закрыть», «Отклонить») and nouns («выполнения») share a status word's stem.
NOT_A_STATUS = ("ть", "ия", "ие", "ии")


def _po_entries() -> list[tuple[str | None, str, str]]:
    """(msgctxt, msgid, msgstr) of the catalogue; plural forms are read as their first form."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            found = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d+\]) "(.*)"$', line)
            if found:
                key = found.group(1).replace("[0]", "")
                fields[key] = found.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            entries.append((fields.get("msgctxt"), fields["msgid"], fields.get("msgstr", "")))
    return entries


def _table(section: str) -> list[list[str]]:
    text = GLOSSARY.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]  # after header, ruler


def _families() -> dict[str, set[str]]:
    """Each status word's stem (the forms' common beginning) → its allowed forms, lower-cased."""
    families = {}
    for forms, *_ in _table("Statuses"):
        words = [w.strip().lower() for w in forms.split("/")]
        bare = [w.removeprefix("не") for w in words]
        stem = bare[0]
        while not all(w.startswith(stem) for w in bare):
            stem = stem[:-1]
        assert len(stem) >= 5, f"stem of {forms!r} too short to tell the word: {stem!r}"
        families[stem] = set(words)
    return families


def _status_labels() -> dict[str, set[str]]:
    """Every model's status labels in Russian: label → the models that use it."""
    labels: dict[str, set[str]] = {}
    with translation.override("ru"):
        for model in apps.get_models():
            for field in model._meta.fields:
                if field.choices and "status" in field.name:
                    for _value, label in field.flatchoices:
                        labels.setdefault(str(label), set()).add(model._meta.label)
    return labels


def _wrong_forms(text: str, families: dict[str, set[str]]) -> list[str]:
    wrong = []
    for word in WORD.findall(text):
        lower = word.lower()
        if lower.endswith(NOT_A_STATUS):
            continue
        for stem, forms in families.items():
            if lower.removeprefix("не").startswith(stem) and lower not in forms:
                wrong.append(word)
    return wrong


def test_no_status_has_two_spellings():
    families = _families()
    wrong = {label: sorted(models) for label, models in _status_labels().items() if _wrong_forms(label, families)}
    assert wrong == {}, "status labels not in the glossary's forms (docs/glossary.md, «Statuses»)"


def test_the_status_words_of_the_po_are_the_glossarys():
    """A single-word translation is a label; a status word in it takes one of the glossary's forms."""
    families = _families()
    wrong = [
        (msgid, msgstr)
        for _ctxt, msgid, msgstr in _po_entries()
        if msgstr and len(WORD.findall(msgstr)) == 1 and _wrong_forms(msgstr, families)
    ]
    assert wrong == []


def test_yo_in_eshche_everywhere():
    texts = [(msgid, msgstr) for _c, msgid, msgstr in _po_entries() if re.search(r"\b[Ее]ще\b", msgstr)]
    for path in (ROOT / "templates").rglob("*.html"):
        if re.search(r"\b[Ее]ще\b", path.read_text(encoding="utf-8")):
            texts.append((str(path.relative_to(ROOT)), "еще"))
    assert texts == []


def test_the_words_and_roles_are_translated_as_the_glossary_says():
    catalog = {(ctxt, msgid): msgstr for ctxt, msgid, msgstr in _po_entries()}
    for english, russian, *_ in _table("Words") + _table("Roles"):
        assert catalog.get((None, english)) == russian, english
