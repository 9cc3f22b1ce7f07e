"""Writes of the documents library: uploads, staff publishing, text extraction, the search index, ZIPs."""

from __future__ import annotations

import logging
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.models import ApiEvent
from kabinet.audit.services import audit_record, event_creditor_id, record_event, record_events
from kabinet.contracts.models import Contract
from kabinet.core import pdftext, textsearch
from kabinet.core.files import check_upload, clean_filename, sniff
from kabinet.core.links import absolute_url
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.notifications.services import members_notify

if TYPE_CHECKING:  # typing only: appeals sit above documents
    from kabinet.appeals.models import Appeal

logger = logging.getLogger(__name__)


def _create(*, org, uploaded, content_type: str, **fields) -> Document:
    name = clean_filename(uploaded.name)
    document = Document(organization=org, original_name=name, content_type=content_type, size=uploaded.size, **fields)
    document.file.save(name, uploaded, save=False)
    document.save()
    return document


def _after_commit_extract(ids: list[int]) -> None:
    from kabinet.documents.tasks import extract_text  # reason: a cycle (documents.tasks runs this module)

    transaction.on_commit(lambda: [extract_text.enqueue(pk) for pk in ids])


@contextmanager
def _files_removed_on_error(documents: list[Document]):
    """All or nothing for the files too: the transaction rolls the rows back, this removes the files
    already stored for them (the storage full at the third file of three leaves none of the first two)."""
    try:
        yield
    except BaseException:
        for document in documents:
            if document.file.name:
                with suppress(Exception):
                    document.file.storage.delete(document.file.name)
        raise


@dataclass(frozen=True)
class UploadInput:
    doc_type: str
    contract: Contract | None = None
    appeal: Appeal | None = None
    category: str = Document.Category.OTHER
    product_id: int | None = None  # a document of the creditor's without a contract (the contract's wins)


def documents_upload(*, org, user, files: list, data: UploadInput, origin: Origin | None = None) -> list[Document]:
    """«Загруженные»: the client sends files, optionally tied to its contract or request. All or nothing."""
    checked = [(f, check_upload(f)) for f in files]
    for related in (data.contract, data.appeal):
        if related is not None and related.organization_id != org.pk:
            raise ValidationError(_("It belongs to another organization."))
    documents: list[Document] = []
    with _files_removed_on_error(documents), transaction.atomic():
        for f, content_type in checked:
            documents.append(
                _create(
                    org=org,
                    uploaded=f,
                    content_type=content_type,
                    direction=Document.Direction.UPLOADED,
                    category=data.category,
                    doc_type=data.doc_type,
                    title=clean_filename(f.name),
                    contract=data.contract,
                    appeal=data.appeal,
                    product_id=data.contract.product_id if data.contract else data.product_id,
                    document_date=timezone.localdate(),
                    uploaded_by=user,
                )
            )
        for document in documents:
            record_event(
                action="document_uploaded",
                organization=org,
                actor=user,
                obj=document,
                after={"name": document.original_name, "size": document.size},
                origin=origin,
                event="document.uploaded",
                creditor_id=event_creditor_id(contract=document.contract, product=document.product),
                payload={
                    "document": document.pk,
                    "name": document.original_name,
                    "doc_type": document.doc_type,
                    "contract": document.contract.external_id if document.contract else None,
                    "appeal": document.appeal.number if document.appeal else None,
                },
            )
        _after_commit_extract([d.pk for d in documents])
    return documents


def documents_publish(
    *,
    org,
    files: list,
    doc_type: str,
    category: str,
    document_date: date,
    contract=None,
    staff=None,
    origin: Origin | None = None,
) -> list[Document]:
    """Staff publish incoming documents to an organization or one of its contracts; members are told."""
    if contract is not None and contract.organization_id != org.pk:
        raise ValidationError(_("It belongs to another organization."))
    with transaction.atomic():
        documents = []
        for uploaded in files:
            content_type = sniff(uploaded)
            name = clean_filename(uploaded.name)
            documents.append(
                _create(
                    org=org,
                    uploaded=uploaded,
                    content_type=content_type,
                    direction=Document.Direction.INCOMING,
                    category=category,
                    doc_type=doc_type,
                    title=posixpath.splitext(name)[0],
                    contract=contract,
                    product_id=contract.product_id if contract else None,
                    document_date=document_date,
                    uploaded_by=staff,
                )
            )
        record_events(
            ApiEvent.Kind.DOCUMENT_PUBLISHED,
            [
                (
                    org.pk,
                    event_creditor_id(contract=contract),
                    {
                        "document_id": d.pk,
                        "title": d.title,
                        "doc_type": d.doc_type,
                        "contract_id": contract.pk if contract else None,
                        "contract": contract.number if contract else None,
                        "download": absolute_url("api:client_document_download", d.pk),
                    },
                )
                for d in documents
            ],
        )
        audit_record(
            action="documents_published",
            organization=org,
            actor=staff,
            actor_kind="staff",
            after={"count": len(documents), "doc_type": doc_type},
            origin=origin,
        )
        if len(documents) == 1:
            title = _("New document: %(name)s") % {"name": documents[0].title}
        else:
            title = _("New documents: %(count)d") % {"count": len(documents)}
        # The notification opens where the documents are: the contract's tab, else «Документы».
        link = reverse("documents:list")
        if contract is not None and category == Document.Category.DEAL:
            link = reverse("documents:contract_deal_documents", args=[contract.pk])
        elif contract is not None and category == Document.Category.ACCOUNTING:
            link = reverse("documents:contract_accounting_documents", args=[contract.pk])
        members_notify(org=org, kind=Notification.Kind.NEW_DOCUMENT, title=title, link=link)
        _after_commit_extract([d.pk for d in documents])
    return documents


def document_extract_text(document_id: int) -> None:
    """Pull the text out of a PDF (first pages, bounded) so the search finds words inside it. The PDF
    is read in a child process with memory, CPU, page and output limits (`kabinet.core.pdftext`); past
    them, or when the file cannot be read, the document stays and is marked «текст не извлечён».

    Each run first claims an attempt (committed before the file is read), so a worker killed mid-run
    leaves a trace: `documents_extraction_requeue_stale` queues the document once more and, after
    EXTRACTION_ATTEMPTS runs that never finished, marks it «текст не извлечён»."""
    claimed = Document.objects.filter(
        pk=document_id, text_status=Document.TextStatus.PENDING, text_attempts__lt=settings.EXTRACTION_ATTEMPTS
    ).update(text_attempts=F("text_attempts") + 1, text_tried_at=timezone.now())
    if not claimed:
        return  # already done, marked, or out of attempts (the sweep marks it)
    document = Document.objects.get(pk=document_id)
    text, status = document.text, Document.TextStatus.EXTRACTED
    if document.content_type != "application/pdf":
        status = Document.TextStatus.NOT_APPLICABLE
    elif not text:
        limits = pdftext.Limits(
            memory_bytes=settings.DOCUMENT_EXTRACT_MEMORY_MB * 2**20,
            cpu_seconds=settings.DOCUMENT_EXTRACT_CPU_SECONDS,
            max_pages=settings.DOCUMENT_EXTRACT_MAX_PAGES,
            max_chars=settings.DOCUMENT_TEXT_MAX_CHARS,
        )
        try:
            with document.file.open("rb") as fh:
                text = pdftext.extract_pdf_text(fh.read(), limits)
        except pdftext.ExtractionFailed as exc:
            logger.warning("Text of document %s could not be extracted: %s", document_id, exc)
            status = Document.TextStatus.FAILED
        except Exception:  # the file could not be read from storage: still a document, found by its name
            logger.warning("The file of document %s could not be read", document_id, exc_info=True)
            status = Document.TextStatus.FAILED
    Document.objects.filter(pk=document_id).update(text=text, text_status=status)
    document_reindex(ids=[document_id])


def documents_extraction_requeue_stale() -> tuple[int, int]:
    """The scheduler's sweep: a document still pending EXTRACTION_LEASE seconds after its extraction was
    last started or queued lost its run (the worker was killed). Queued once more while it has attempts
    left, else marked «текст не извлечён». Returns (queued, marked)."""
    from kabinet.documents.tasks import extract_text  # reason: a cycle (documents.tasks runs this module)

    stale = Document.objects.filter(
        text_status=Document.TextStatus.PENDING,
        text_tried_at__lt=timezone.now() - timedelta(seconds=settings.EXTRACTION_LEASE),
    )
    marked = stale.filter(text_attempts__gte=settings.EXTRACTION_ATTEMPTS).update(
        text_status=Document.TextStatus.FAILED
    )
    if marked:
        logger.warning("Text extraction of %d documents never finished: marked as not extracted", marked)
    ids = list(stale.values_list("pk", flat=True))
    # Taken for queued now: the next sweep leaves them alone for another lease.
    Document.objects.filter(pk__in=ids).update(text_tried_at=timezone.now())
    for pk in ids:
        extract_text.enqueue(pk)
    return len(ids), marked


def document_reindex(*, ids: Iterable[int] | None = None) -> int:
    """Refresh the PostgreSQL full-text vector (SQLite has no such index and needs none)."""
    if not textsearch.full_text_available():
        return 0
    vector = textsearch.full_text_vector(A=["title"], B=["doc_type", "original_name"], C=["text"])
    documents = Document.objects.all() if ids is None else Document.objects.filter(pk__in=list(ids))
    return documents.update(search_vector=vector)


# --- ZIP ------------------------------------------------------------------------------------------


class ZipSink:
    """A write-only file that hands out what was written (zipfile streams into it)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def unique_names(documents: Iterable[Document]) -> Iterator[tuple[Document, str]]:
    seen: dict[str, int] = {}
    for document in documents:
        name = clean_filename(document.original_name)
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            stem, ext = posixpath.splitext(name)
            name = f"{stem} ({seen[key]}){ext}"
        else:
            seen[key] = 1
        yield document, name


def zip_stream(documents: list[Document], chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    """Build the ZIP while sending it: memory holds one chunk, whatever the archive's size.

    The first file is opened before anything is sent: a storage that is down or too slow ends the request
    with the Russian 503 page (kabinet/core/degraded.py), not with a download broken after its headers."""
    first = documents[0].file.open("rb") if documents else None
    return _zip_chunks(documents, first, chunk_size)


def _zip_chunks(documents: list[Document], first, chunk_size: int) -> Iterator[bytes]:
    sink = ZipSink()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for index, (document, name) in enumerate(unique_names(documents)):
            info = zipfile.ZipInfo(name, date_time=document.document_date.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            opened = first if index == 0 else document.file.open("rb")
            with opened as source, archive.open(info, mode="w", force_zip64=True) as target:
                while chunk := source.read(chunk_size):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
