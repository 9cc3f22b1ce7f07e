"""The record of a qualified electronic signature (КЭП) uploaded for a document: the `.sig` file kept in
the private storage, what its certificate says, the document's hash and the verdict of the check
(`kabinet.signatures.qualified`). Imported by `kabinet.signatures.models` so that Django finds it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import OrgOwned
from kabinet.core.storage import private_upload_to


def qualified_signature_upload_to(instance, filename: str) -> str:
    return private_upload_to("signatures")(instance, filename)


class QualifiedSignature(OrgOwned):
    """One `.sig` file uploaded for a document, verified or not (and why not)."""

    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="qualified_signatures",
    )
    # The pending request this КЭП counts toward as its uploader's signature (a signer with «Право
    # подписи» who has not signed it yet); empty when it counts toward none.
    signature_request = models.ForeignKey(
        "signatures.SignatureRequest",
        verbose_name=_("signature request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qualified_signatures",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signature_file = models.FileField(_("signature file"), upload_to=qualified_signature_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    signature_sha256 = models.CharField(_("signature file SHA-256"), max_length=64)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    digest_algorithm = models.CharField(_("digest algorithm"), max_length=16)
    message_digest = models.CharField(_("signed digest of the document"), max_length=128)
    verified = models.BooleanField(_("signature verified"), default=False)
    failure = models.CharField(_("why not verified"), max_length=255, blank=True)
    signing_time = models.DateTimeField(_("signing time stated in the signature"), null=True, blank=True)
    # The certificate's owner, issuer and validity, as the certificate says them.
    signer_name = models.CharField(_("certificate owner"), max_length=255)
    organization_name = models.CharField(_("organization in the certificate"), max_length=255, blank=True)
    title = models.CharField(_("job title"), max_length=255, blank=True)
    inn = models.CharField(_("INN"), max_length=32, blank=True)
    inn_le = models.CharField(_("INN of the legal entity"), max_length=32, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=32, blank=True)
    snils = models.CharField(_("SNILS"), max_length=32, blank=True)
    email = models.CharField(_("e-mail"), max_length=255, blank=True)
    issuer = models.CharField(_("certificate issuer"), max_length=255)
    certificate_serial = models.CharField(_("certificate serial number"), max_length=64)
    valid_from = models.DateTimeField(_("certificate valid from"), null=True, blank=True)
    valid_to = models.DateTimeField(_("certificate valid to"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("qualified signature")
        verbose_name_plural = _("qualified signatures")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "document", "signature_sha256"], name="qualified_signature_once"
            ),
        ]
        indexes = [models.Index(fields=["organization", "document", "-created_at"], name="qsig_org_document")]

    def __str__(self) -> str:
        return f"{self.signer_name} · {self.document}"
