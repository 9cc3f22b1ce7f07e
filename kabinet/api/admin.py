from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.api.models import ApiEvent, ApiToken, IdempotentUpload, WebhookDelivery
from kabinet.api.webhooks import check_webhook_url, ensure_secret
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
    """The key is shown once, right after the token is created; only its hash is kept."""

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
    list_filter = ("staff_wide", "creditor", "can_read", "can_write", "can_change_requisites")
    list_select_related = ("creditor",)
    search_fields = ("name", "prefix")
    fields = (
        "name",
        "creditor",
        "staff_wide",
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
        if obj.staff_wide:
            return _("All creditors (staff-wide)")
        return obj.creditor.short_name if obj.creditor else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        base_clean = form.clean

        def clean(this: forms.ModelForm) -> dict[str, Any]:
            data = base_clean(this) or {}
            if (data.get("creditor") is None) != bool(data.get("staff_wide")):
                raise ValidationError(
                    _("Choose the creditor whose data the token reaches, or mark it staff-wide without a creditor.")
                )
            return data

        form.clean = clean  # type: ignore[method-assign,assignment]  # on the class get_form made for this request
        return form

    @admin.display(description=_("webhook secret"))
    def webhook_secret_shown(self, obj):
        return ensure_secret(obj) if obj.pk and obj.webhook_url else "—"

    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = ApiToken.issue(
            name=obj.name,
            creditor=obj.creditor,
            staff_wide=obj.staff_wide,
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

    @admin.action(description=_("Revoke the selected tokens"))
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
