from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned
from kabinet.core.storage import document_upload_to


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


class Document(OrgOwned):
    """A file the client received from the creditor («Входящие») or sent to it («Загруженные»)."""

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        UPLOADED = "uploaded", _("Uploaded")

    class Category(models.TextChoices):
        DEAL = "deal", _("Deal documents")
        ACCOUNTING = "accounting", _("Accounting documents")
        OTHER = "other", _("Other")

    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.INCOMING)
    category = models.CharField(_("kind"), max_length=16, choices=Category.choices, default=Category.OTHER)
    doc_type = models.CharField(_("document type"), max_length=128, help_text=_("ПТС, УПД, акт сверки…"))
    title = models.CharField(_("name"), max_length=255)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    product = models.ForeignKey(
        "creditors.Product", verbose_name=_("product"), on_delete=models.SET_NULL, null=True, blank=True
    )
    document_date = models.DateField(_("document date"))
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)

    class TextStatus(models.TextChoices):
        PENDING = "pending", _("text is being extracted")
        EXTRACTED = "extracted", _("text extracted")
        FAILED = "failed", _("text not extracted")
        NOT_APPLICABLE = "none", _("no text to extract")

    text = models.TextField(_("extracted text"), blank=True)
    # «Текст не извлечён»: the reader was stopped (limits) or could not read the file; the document
    # stays and is found by its name, type and file name.
    text_status = models.CharField(
        _("text extraction"), max_length=10, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    # Extraction runs at most EXTRACTION_ATTEMPTS times: a worker killed mid-run (by the memory limit, the
    # OOM killer, a deploy) leaves the document pending; the sweep queues it once more, then marks it.
    text_attempts = models.PositiveSmallIntegerField(_("text extraction attempts"), default=0)
    text_tried_at = models.DateTimeField(_("text extraction last started or queued"), null=True, blank=True)
    # PostgreSQL full-text index of the name, type, file name and text (Russian configuration).
    search_vector = SearchVectorField(null=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)
    # The library's entry of a closing document (its «УПД», «Счёт-фактура»…): the file is the closing
    # document's PDF, the number, date and sums are the closing document's (one record, not a copy).
    closing_document = models.ForeignKey(
        "contracts.ClosingDocument",
        verbose_name=_("closing document"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="library_documents",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-document_date", "-id"]
        indexes = [
            # The list's order exactly (date, then id): a page is read from the index, no sort.
            models.Index(fields=["organization", "direction", "-document_date", "-id"], name="doc_org_dir_date_id"),
            models.Index(fields=["organization", "contract", "category"], name="doc_org_contract"),
            models.Index(fields=["organization", "direction", "doc_type"], name="doc_org_dir_type"),
            models.Index(fields=["organization", "product"], name="doc_org_product"),
            models.Index(fields=["organization", "appeal"], name="doc_org_appeal"),
        ]
        constraints = [
            # One library entry per closing document.
            models.UniqueConstraint(
                fields=["organization", "closing_document"],
                condition=models.Q(closing_document__isnull=False),
                name="doc_one_entry_per_closing_document",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shows_file_name(self) -> bool:
        """The file name is worth a line of its own only when it says more than the name."""
        stem = self.original_name.rsplit(".", 1)[0] if "." in self.original_name else self.original_name
        # «Акт № AL-1» and «Акт AL-1.pdf» say the same: only letters and digits are compared.
        return _letters_and_digits(stem) != _letters_and_digits(self.title)
