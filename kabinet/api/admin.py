import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kabinet.api.models import ApiEvent, ApiToken, IdempotentUpload, WebhookDelivery
from kabinet.api.webhooks import check_webhook_url
from kabinet.core.net import AddressRefused, resolve_public


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("name", "can_read", "can_write", "allowed_ips", "webhook_url")

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url", "")
        if url:
            try:
                _scheme, host, port, _path = check_webhook_url(url)
                resolve_public(host, port)
            except AddressRefused as exc:
                raise forms.ValidationError(
                    _(
                        "Webhooks cannot go to internal addresses (loopback, private, link-local, metadata): "
                        "%(reason)s. An on-premise receiver is allowed with WEBHOOK_ALLOWED_NETWORKS."
                    ),
                    params={"reason": exc},
                ) from exc
        return url


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """The key is shown once, right after the token is created; only its hash is kept. The webhook
    secret likewise: shown once when it is made (with the token, when a webhook address is first set,
    or on «rotate», a POST), never on the token's page, which a view-only staff user may open."""

    form = ApiTokenForm

    list_display = (
        "name",
        "prefix",
        "reaches",
        "can_read",
        "can_write",
        "can_change_requisites",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("kind", "creditor", "can_read", "can_write", "can_change_requisites")
    list_select_related = ("creditor", "organization")
    autocomplete_fields = ["organization"]
    search_fields = ("name", "prefix")
    fields = (
        "name",
        "kind",
        "creditor",
        "organization",
        "can_read",
        "can_write",
        "can_change_requisites",
        "allowed_ips",
        "webhook_url",
        "webhook_secret_shown",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at", "webhook_secret_shown")

    @admin.display(description=_("reaches"), ordering="creditor__short_name")
    def reaches(self, obj):
        if obj.kind == ApiToken.Kind.STAFF:
            return _("All creditors (staff-wide)")
        if obj.kind == ApiToken.Kind.CLIENT:
            return _("Client %(organization)s (read only)") % {"organization": obj.organization}
        return obj.creditor.short_name if obj.creditor else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        base_clean = form.clean

        def clean(this: forms.ModelForm) -> dict[str, Any]:
            data = base_clean(this) or {}
            if data.get("kind") == ApiToken.Kind.CLIENT:
                if data.get("organization") is None or data.get("creditor") is not None:
                    raise ValidationError(_("A client's token names its organization and no creditor."))
                if data.get("can_write") or data.get("can_change_requisites"):
                    raise ValidationError(_("A client's token only reads: clear the write scopes."))
                return data
            if data.get("organization") is not None:
                raise ValidationError(_("Only a client's token names an organization."))
            if (data.get("creditor") is None) != (data.get("kind") == ApiToken.Kind.STAFF):
                raise ValidationError(
                    _("Choose the creditor whose data the token reaches, or the back-office kind without a creditor.")
                )
            return data

        form.clean = clean  # type: ignore[method-assign,assignment]  # on the class get_form made for this request
        return form

    change_form_template = "admin/api/apitoken/change_form.html"

    @admin.display(description=_("webhook secret"))
    def webhook_secret_shown(self, obj):
        if not obj.pk or not obj.webhook_url:
            return "—"
        if obj.webhook_secret:
            return _("set; shown once when made — rotate it to get a new one")
        return _("not made yet: it is made when the token is saved")

    actions = ["revoke"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/rotate-webhook-secret/",
                self.admin_site.admin_view(require_POST(self.rotate_webhook_secret)),
                name="api_apitoken_rotate_webhook_secret",
            ),
            *super().get_urls(),
        ]

    def _show_secret(self, request, token: ApiToken, secret: str) -> None:
        messages.warning(
            request,
            _("The webhook secret of «%(name)s» — copy it now, it is not shown again: %(secret)s")
            % {"name": token.name, "secret": secret},
        )

    def _make_secret(self, request, token: ApiToken) -> None:
        token.webhook_secret = secrets.token_hex(32)
        ApiToken.objects.filter(pk=token.pk).update(webhook_secret=token.webhook_secret)
        self._show_secret(request, token, token.webhook_secret)

    def rotate_webhook_secret(self, request, pk: int):
        token = get_object_or_404(ApiToken, pk=pk)
        if not self.has_change_permission(request, token):
            raise PermissionDenied
        self._make_secret(request, token)
        return redirect("admin:api_apitoken_change", pk)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            if obj.webhook_url and not obj.webhook_secret:
                self._make_secret(request, obj)
            return
        token, key = ApiToken.issue(
            name=obj.name,
            creditor=obj.creditor,
            organization=obj.organization,
            kind=obj.kind,
            can_read=obj.can_read,
            can_write=obj.can_write,
            can_change_requisites=obj.can_change_requisites,
            allowed_ips=obj.allowed_ips,
        )
        obj.pk = token.pk
        obj.prefix = token.prefix
        if obj.webhook_url:  # checked by ApiTokenForm
            ApiToken.objects.filter(pk=token.pk).update(webhook_url=obj.webhook_url)
        messages.warning(
            request,
            _("The key of «%(name)s» — copy it now, it is not shown again: %(key)s") % {"name": token.name, "key": key},
        )
        if obj.webhook_url:
            token.webhook_url = obj.webhook_url
            self._make_secret(request, token)

    @admin.action(permissions=["change"], description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(ApiEvent)
class ApiEventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "organization", "created_at")
    list_filter = ("kind",)
    search_fields = ("kind", "organization__name")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IdempotentUpload)
class IdempotentUploadAdmin(admin.ModelAdmin):
    list_display = ("key", "token", "document", "created_at")
    search_fields = ("key",)
    raw_id_fields = ("token", "document")

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log of outgoing webhooks."""

    list_display = ("event", "token", "status", "attempts", "response_code", "last_error", "created_at", "delivered_at")
    list_filter = ("status", "token")
    search_fields = ("event__kind", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("event", "token")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
