"""The back office of the electronic signature: the creditor's agreement (a new version is a new row; an
accepted version's text stays as accepted), documents put «на подпись» with their statuses, and the
records — signatures, refusals, acceptances, rights — read only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.services import ServiceError
from kabinet.audit.models import AuditEvent
from kabinet.core.admin_site import Waiting, add_waiting
from kabinet.core.net import Origin
from kabinet.signatures.models import (
    AgreementAcceptance,
    Signature,
    SignatureAgreement,
    SignatureCode,
    SignatureRefusal,
    SignatureRequest,
    SigningRight,
)
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.signatures.services import signature_request_check, signature_request_create


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: seen, never written by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignatureAgreement)
class SignatureAgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "creditor", "version", "acceptance_count", "created_at")
    list_filter = ("creditor",)
    search_fields = ("title", "text")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("creditor").annotate(accepted=Count("acceptances"))

    @admin.display(description=_("accepted by organizations"))
    def acceptance_count(self, obj):
        return obj.accepted

    def get_readonly_fields(self, request, obj=None):
        # What an organization accepted stays as it accepted it: a new text is a new version.
        if obj is not None and obj.acceptances.exists():
            return ("creditor", "version", "title", "text")
        return ()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        last = SignatureAgreement.objects.order_by("-version").values_list("version", flat=True).first()
        initial.setdefault("version", str((last or 0) + 1))
        return initial


class SignatureInline(ReadOnlyInline):
    model = Signature
    fields = ("signer_name", "phone", "signed_at", "ip", "document_sha256", "agreement_version")
    readonly_fields = fields


class RefusalInline(ReadOnlyInline):
    model = SignatureRefusal
    fields = ("user", "reason", "created_at", "ip")
    readonly_fields = fields


class SignatureRequestForm(forms.ModelForm):
    class Meta:
        model = SignatureRequest
        fields = ("document", "creditor", "signers_required", "deadline")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "creditor" not in self.fields:  # a request that exists is shown, never edited
            return
        self.fields["creditor"].required = False
        self.fields["creditor"].help_text = _("Empty: the creditor of the document's contract or product.")

    def clean(self):
        data = super().clean() or {}
        if self.errors or "document" not in self.fields:
            return data
        try:
            signature_request_check(
                document=data["document"],
                signers_required=data["signers_required"],
                deadline=data["deadline"],
                creditor=data.get("creditor"),
            )
        except ServiceError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(SignatureRequest)
class SignatureRequestAdmin(admin.ModelAdmin):
    form = SignatureRequestForm
    list_display = (
        "document",
        "kind",
        "organization",
        "creditor",
        "status_shown",
        "signers_required",
        "signed",
        "deadline",
    )
    list_filter = ("status", "kind", "creditor", "signers_required")
    search_fields = ("document__title", "organization__name", "organization__inn", "public_id")
    raw_id_fields = ("document",)
    list_select_related = ("document", "organization", "creditor")
    inlines = [SignatureInline, RefusalInline]
    readonly_fields = (
        "organization",
        "status",
        "kind",
        "document_sha256",
        "public_id",
        "created_by",
        "created_at",
        "completed_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(signature_count=Count("signatures"))

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj):
        return obj.shown_status

    @admin.display(description=_("signatures"))
    def signed(self, obj):
        return f"{obj.signature_count} / {obj.signers_required}"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # nothing is signed before the request exists

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("document", "creditor", "signers_required", "deadline")
        return ("document", "creditor", "signers_required", "deadline", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        try:
            created = signature_request_create(
                document=form.cleaned_data["document"],
                signers_required=form.cleaned_data["signers_required"],
                deadline=form.cleaned_data["deadline"],
                creditor=form.cleaned_data.get("creditor"),
                actor=request.user,
                actor_kind=AuditEvent.ActorKind.STAFF,
                origin=Origin.of(request),
            )
        except ServiceError as exc:  # a request made between the form's check and now
            raise ValidationError(exc.message) from exc
        obj.pk = created.pk
        obj.refresh_from_db()


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("signer_name", "request", "organization", "signed_at", "agreement_version")
    search_fields = ("signer_name", "phone", "document_sha256", "request__document__title")
    list_select_related = ("organization", "request__document")
    date_hierarchy = "signed_at"


@admin.register(SignatureRefusal)
class SignatureRefusalAdmin(ReadOnlyAdmin):
    list_display = ("request", "organization", "user", "created_at")
    list_select_related = ("organization", "request__document", "user")


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("organization", "agreement", "version", "accepted_by", "created_at")
    list_filter = ("agreement__creditor",)
    search_fields = ("organization__name", "organization__inn")
    list_select_related = ("organization", "agreement", "accepted_by")


@admin.register(SigningRight)
class SigningRightAdmin(ReadOnlyAdmin):
    list_display = ("membership", "organization", "granted_by", "created_at")
    search_fields = ("organization__name", "membership__user__full_name")
    list_select_related = ("organization", "membership__user", "membership__organization", "granted_by")


@admin.register(SignatureCode)
class SignatureCodeAdmin(ReadOnlyAdmin):
    list_display = ("request", "user", "created_at")
    list_select_related = ("request__document", "user")


def _pending_count() -> int:
    return SignatureRequest.objects.filter(status=SignatureRequest.Status.PENDING).count()


add_waiting(
    Waiting(
        "documents", _("Awaiting signature"), "signatures.signaturerequest", "status__exact=pending", _pending_count
    )
)


@admin.register(QualifiedSignature)
class QualifiedSignatureAdmin(ReadOnlyAdmin):
    """КЭП uploaded by clients: the certificate's owner, issuer, validity and the verdict, read only."""

    list_display = ("signer_name", "document", "organization", "verified", "inn_le", "inn", "issuer", "created_at")
    list_filter = ("verified",)
    search_fields = ("signer_name", "inn", "inn_le", "ogrn", "snils", "document__title", "organization__name")
    list_select_related = ("organization", "document")
    date_hierarchy = "created_at"
    exclude = ("signature_file",)  # a private file: not linked to the media URL, downloaded by the client's page
