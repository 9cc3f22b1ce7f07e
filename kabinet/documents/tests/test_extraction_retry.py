"""A text extraction whose worker was killed mid-run is queued once more by the scheduler's sweep, then
marked «текст не извлечён»; the document itself always stays."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from kabinet.documents.models import Document
from kabinet.documents.services import document_extract_text, documents_extraction_requeue_stale


def _pdf() -> bytes:
    """A one-page PDF the reader opens (a blank page: the text is empty, the run completes)."""
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(100, 100)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def document(org_a, settings):
    settings.EXTRACTION_LEASE = 60
    settings.EXTRACTION_ATTEMPTS = 2
    doc = Document(
        organization=org_a,
        original_name="act.pdf",
        content_type="application/pdf",
        title="Акт",
        document_date=timezone.localdate(),
    )
    doc.file.save("act.pdf", ContentFile(_pdf()), save=False)
    doc.save()
    return doc


def _killed_run(doc: Document, attempts: int, ago: int = 120) -> None:
    """What a run killed after claiming its attempt leaves: pending, the attempt counted, started `ago` s ago."""
    Document.objects.filter(pk=doc.pk).update(
        text_status=Document.TextStatus.PENDING,
        text_attempts=attempts,
        text_tried_at=timezone.now() - timedelta(seconds=ago),
    )


def test_a_run_completes_and_counts_one_attempt(document):
    document_extract_text(document.pk)
    document.refresh_from_db()
    assert (document.text_status, document.text_attempts) == (Document.TextStatus.EXTRACTED, 1)


def test_a_killed_run_is_queued_once_more_and_completes(document):
    _killed_run(document, attempts=1)
    assert documents_extraction_requeue_stale() == (1, 0)  # the immediate task backend runs it here
    document.refresh_from_db()
    assert (document.text_status, document.text_attempts) == (Document.TextStatus.EXTRACTED, 2)


def test_two_killed_runs_mark_the_document_not_extracted(document):
    _killed_run(document, attempts=2)
    assert documents_extraction_requeue_stale() == (0, 1)
    document.refresh_from_db()
    assert document.text_status == Document.TextStatus.FAILED
    # A late task of the marked document does nothing.
    document_extract_text(document.pk)
    document.refresh_from_db()
    assert (document.text_status, document.text_attempts) == (Document.TextStatus.FAILED, 2)


def test_a_run_still_within_its_lease_is_left_alone(document):
    _killed_run(document, attempts=1, ago=10)
    assert documents_extraction_requeue_stale() == (0, 0)
    document.refresh_from_db()
    assert (document.text_status, document.text_attempts) == (Document.TextStatus.PENDING, 1)
