"""The simple electronic signature (ПЭП, 63-FZ art. 9) by an SMS code.

The creditor's agreement on its use (`SignatureAgreement`, versioned) is accepted once by an
organization's administrator (`AgreementAcceptance`); the administrator gives employees the right to
sign (`SigningRight`); the lessor puts a document «на подпись» (`SignatureRequest`); each signer's
consent is a `Signature` (the file's SHA-256, who, when, from where, under which agreement version,
the hash of the SMS code), or a `SignatureRefusal` with a reason. The stored file is never altered:
the copy with a signing sheet is made on the fly (`exports.signed_copy_pdf`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned, TimeStamped
from kabinet.signatures.qualified_models import QualifiedSignature  # noqa: F401 (the КЭП record, found by Django here)


def _public_id() -> str:
    return secrets.token_urlsafe(24)


class SignatureAgreement(TimeStamped):
    """«Соглашение об использовании ПЭП»: the creditor's text; the highest version is in force."""

    creditor = models.ForeignKey(
        "creditors.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("electronic signature agreement")
        verbose_name_plural = _("electronic signature agreements")
        ordering = ["creditor", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "version"], name="signature_agreement_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, ред. {self.version}"


class AgreementAcceptance(OrgOwned):
    """The organization accepted a version of the agreement: by whom, when."""

    agreement = models.ForeignKey(
        SignatureAgreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="acceptances"
    )
    version = models.PositiveIntegerField(_("version"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "agreement"], name="signature_acceptance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.agreement}"


class SigningRight(OrgOwned):
    """«Право подписи»: the employee (an active membership) may sign for the organization."""

    membership = models.ForeignKey(
        "organizations.Membership", verbose_name=_("employee"), on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("right to sign")
        verbose_name_plural = _("rights to sign")
        ordering = ["organization", "membership"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership"], name="signing_right_once"),
        ]

    def __str__(self) -> str:
        return str(self.membership)


class SignatureRequest(OrgOwned):
    """A document put «на подпись»: how many signers, until when, and where it stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting signature")
        SIGNED = "signed", _("Signed")
        REFUSED = "refused", _("Signing refused")
        EXPIRED = "expired", _("Signing deadline passed")

    document = models.ForeignKey(
        "documents.Document", verbose_name=_("document"), on_delete=models.PROTECT, related_name="signature_requests"
    )
    creditor = models.ForeignKey(
        "creditors.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        RECONCILIATION_ACT = "reconciliation_act", _("Reconciliation statement")

    # What is signed: a document the lessor put «на подпись», or the client's own акт сверки sent to the
    # lessor signed (the `document.signed` event names it as `document_kind`).
    kind = models.CharField(_("what is signed"), max_length=24, choices=Kind.choices, default=Kind.DOCUMENT)
    signers_required = models.PositiveSmallIntegerField(_("signers needed"), choices=[(1, "1"), (2, "2")], default=1)
    deadline = models.DateTimeField(_("sign by"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    # The file's SHA-256 at the first signature: every later signature must be of the same bytes.
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    public_id = models.CharField(_("verification id"), max_length=64, unique=True, default=_public_id, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("put for signature by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="sigreq_org_status"),
            models.Index(fields=["status", "deadline"], name="sigreq_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.document} ({self.get_status_display()})"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.deadline <= timezone.now()

    @property
    def shown_status(self) -> str:
        """The status as a reader should see it: a pending request past its deadline is «просрочен»
        even before the daily job writes it."""
        return str(self.Status.EXPIRED.label) if self.is_overdue else self.get_status_display()


class SignatureCode(models.Model):
    """Which request an SMS code was sent for: a code sent for one document signs no other."""

    request = models.ForeignKey(
        SignatureRequest, verbose_name=_("signature request"), on_delete=models.CASCADE, related_name="codes"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.CASCADE)
    challenge = models.OneToOneField(
        "accounts.PhoneChallenge", verbose_name=_("SMS code"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing code")
        verbose_name_plural = _("signing codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.user}"


class Signature(OrgOwned):
    """One signer's simple electronic signature of a request's document (the record 63-FZ asks for)."""

    request = models.ForeignKey(
        SignatureRequest, verbose_name=_("signature request"), on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signer's name"), max_length=255)
    phone = models.CharField(_("phone"), max_length=32)
    signed_at = models.DateTimeField(_("signed at (UTC)"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    agreement = models.ForeignKey(
        SignatureAgreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    agreement_version = models.PositiveIntegerField(_("agreement version"))
    code_hash = models.CharField(_("code hash"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "request", "signer"], name="signature_once_per_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} · {self.request.document}"


class SignatureRefusal(OrgOwned):
    """«Отказаться от подписания»: who refused, why, when."""

    request = models.ForeignKey(
        SignatureRequest, verbose_name=_("signature request"), on_delete=models.PROTECT, related_name="refusals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("signature refusal")
        verbose_name_plural = _("signature refusals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "request"], name="signature_refusal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request.document}: {self.reason[:60]}"
