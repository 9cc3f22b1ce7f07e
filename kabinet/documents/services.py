"""Writes of the documents library: uploads, staff publishing, text extraction, the search index, ZIPs."""

from __future__ import annotations

import logging
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.audit.services import audit_record, record_event
from kabinet.contracts.models import Contract
from kabinet.core import textsearch
from kabinet.core.files import check_upload, clean_filename, sniff
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.notifications.services import notify_members

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


@dataclass(frozen=True)
class UploadInput:
    doc_type: str
    contract: Contract | None = None
    appeal: Appeal | None = None


def documents_upload(*, org, user, files: list, data: UploadInput, origin: Origin | None = None) -> list[Document]:
    """«Загруженные»: the client sends files, optionally tied to its contract or request. All or nothing."""
    checked = [(f, check_upload(f)) for f in files]
    for related in (data.contract, data.appeal):
        if related is not None and related.organization_id != org.pk:
            raise ValidationError(_("It belongs to another organization."))
    with transaction.atomic():
        documents = [
            _create(
                org=org,
                uploaded=f,
                content_type=content_type,
                direction=Document.Direction.UPLOADED,
                category=Document.Category.OTHER,
                doc_type=data.doc_type,
                title=clean_filename(f.name),
                contract=data.contract,
                appeal=data.appeal,
                product_id=data.contract.product_id if data.contract else None,
                document_date=timezone.localdate(),
                uploaded_by=user,
            )
            for f, content_type in checked
        ]
        for document in documents:
            record_event(
                action="document_uploaded",
                organization=org,
                actor=user,
                obj=document,
                after={"name": document.original_name, "size": document.size},
                origin=origin,
                event="document.uploaded",
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
        link = "/documents/"
        if contract is not None and category == Document.Category.DEAL:
            link = f"/contracts/{contract.pk}/deal-documents/"
        elif contract is not None and category == Document.Category.ACCOUNTING:
            link = f"/contracts/{contract.pk}/accounting-documents/"
        notify_members(org=org, kind=Notification.Kind.NEW_DOCUMENT, title=title, link=link)
        _after_commit_extract([d.pk for d in documents])
    return documents


def document_extract_text(document_id: int) -> None:
    """Pull the text out of a PDF (first pages, bounded) so the search finds words inside it."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return
    text = document.text
    if document.content_type == "application/pdf" and not text:
        try:
            import pypdfium2  # reason: a native library, loaded only to read a PDF

            with document.file.open("rb") as fh:
                pdf = pypdfium2.PdfDocument(fh.read())
            pages = [pdf[i].get_textpage().get_text_range() for i in range(min(len(pdf), 50))]
            text = " ".join(" ".join(pages).split())[: settings.DOCUMENT_TEXT_MAX_CHARS]
        except Exception:  # a broken PDF still is a document; it is found by its name
            logger.warning("Text of document %s could not be extracted", document_id, exc_info=True)
    Document.objects.filter(pk=document_id).update(text=text)
    document_reindex([document_id])


def document_reindex(ids: Iterable[int] | None = None) -> int:
    """Refresh the PostgreSQL full-text vector (SQLite has no such index and needs none)."""
    if not textsearch.full_text_available():
        return 0
    vector = textsearch.full_text_vector(A=["title"], B=["doc_type", "original_name"], C=["text"])
    documents = Document.objects.all() if ids is None else Document.objects.filter(pk__in=list(ids))
    return documents.update(search_vector=vector)


# --- ZIP ------------------------------------------------------------------------------------------


class _Sink:
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
    """Build the ZIP while sending it: memory holds one chunk, whatever the archive's size."""
    sink = _Sink()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for document, name in unique_names(documents):
            info = zipfile.ZipInfo(name, date_time=document.document_date.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with document.file.open("rb") as source, archive.open(info, mode="w", force_zip64=True) as target:
                while chunk := source.read(chunk_size):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
