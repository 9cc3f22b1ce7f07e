"""The two-sided акт сверки: the client's own data (its акт or 1С account card) compared with the books."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned
from kabinet.core.storage import reconciliation_upload_to


class Reconciliation(OrgOwned):
    """One upload of the client's data for a period (and a contract, or a creditor's contracts): the file
    as uploaded, its table and columns (`table`, `mapping`) and, once compared, the frozen result line
    by line (`result`), so the comparison page reopens as it was."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Columns to confirm")
        COMPARED = "compared", _("Compared")

    creditor = models.ForeignKey(
        "creditors.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    start = models.DateField(_("period from"))
    end = models.DateField(_("period to"))
    file = models.FileField(_("file"), upload_to=reconciliation_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=160)
    kind = models.CharField(_("format"), max_length=8)  # "xlsx" or "csv"
    table = models.JSONField(_("table"), default=dict, editable=False)  # {"header": [...], "rows": [[n, [...]]]}
    mapping = models.JSONField(_("columns"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.MAPPING)
    result = models.JSONField(_("result"), default=dict, editable=False)
    differences = models.PositiveIntegerField(_("differences"), default=0)
    compared_at = models.DateTimeField(_("compared at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("client's reconciliation data")
        verbose_name_plural = _("clients' reconciliation data")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="reconciliation_org_created")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"
