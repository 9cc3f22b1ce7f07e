"""A document's signatures, read by the lessor's books (GET /documents/<id>/signatures/)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

# ---------------------------------------------------------------------------------------------
# A document's signatures, read by the lessor's books (GET /documents/<id>/signatures/)


class SignatureRequestOutSerializer(serializers.Serializer):
    public_id = serializers.CharField(help_text="The verification page's id.")
    status = serializers.CharField(help_text="pending, signed, refused or expired.")
    signers_required = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    document_sha256 = serializers.CharField(help_text="The file's SHA-256 at the first signature; empty before.")
    completed_at = serializers.DateTimeField(allow_null=True)


class SimpleSignatureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signature_request = serializers.CharField(source="request.public_id")
    signer = serializers.CharField(source="signer_name")
    phone = serializers.CharField()
    signed_at = serializers.DateTimeField()
    document_sha256 = serializers.CharField()
    agreement_version = serializers.IntegerField()
    ip = serializers.IPAddressField(allow_null=True)


class QualifiedCertificateSerializer(serializers.Serializer):
    owner = serializers.CharField(source="signer_name")
    organization = serializers.CharField(source="organization_name")
    title = serializers.CharField()
    inn = serializers.CharField()
    inn_le = serializers.CharField()
    ogrn = serializers.CharField()
    snils = serializers.CharField()
    issuer = serializers.CharField()
    serial = serializers.CharField(source="certificate_serial")
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_to = serializers.DateTimeField(allow_null=True)


class QualifiedSignatureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verified = serializers.BooleanField(help_text="The signature holds mathematically for the file.")
    failure = serializers.CharField(help_text="Why it does not hold (empty when verified).")
    chain_checked = serializers.SerializerMethodField(
        help_text="Always false: the chain to an accredited root and revocation are not checked."
    )
    signature_request = serializers.SerializerMethodField(
        help_text="The request this КЭП counts toward as its uploader's signature."
    )
    signed_at = serializers.DateTimeField(source="signing_time", allow_null=True)
    uploaded_at = serializers.DateTimeField(source="created_at")
    document_sha256 = serializers.CharField()
    digest_algorithm = serializers.CharField()
    original_name = serializers.CharField()
    certificate = QualifiedCertificateSerializer(source="*")
    file_url = serializers.SerializerMethodField(help_text="GET it for the `.sig` file (detached CAdES-BES).")

    def get_chain_checked(self, obj) -> bool:
        return False

    def get_signature_request(self, obj) -> str | None:
        return obj.signature_request.public_id if obj.signature_request_id else None

    def get_file_url(self, obj) -> str:
        return reverse("api:document_qualified_signature_file", args=[obj.document_id, obj.pk])


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    title = serializers.CharField()


class DocumentSignaturesSerializer(serializers.Serializer):
    document = DocumentRefSerializer()
    requests = SignatureRequestOutSerializer(many=True)
    simple = SimpleSignatureOutSerializer(many=True)
    qualified = QualifiedSignatureOutSerializer(many=True)
