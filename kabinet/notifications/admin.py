from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts.admin import ReadOnlyAdmin
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.notifications.models import (
    Channel,
    NoticeChannels,
    NoticeDelivery,
    Notification,
    ShortLink,
    TelegramLink,
    TelegramLinkCode,
    TelegramMessage,
)
from kabinet.notifications.services import members_notify
from kabinet.notifications.tasks import deliver_telegram
from kabinet.organizations.models import Organization


class BroadcastForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Notification.Kind.choices, initial=Notification.Kind.KEY_RATE)
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        initial=[c.value for c in Channel],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each person gets it only on those of these channels they chose for the type; SMS and Telegram wait "
            "through the night of the organization's time zone."
        ),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.filter(status="active").order_by("name"),
        required=False,
        help_text=_("None chosen: every active organization."),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "user", "organization", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "body", "user__full_name", "user__phone", "organization__name")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "organization")
    list_select_related = ("user", "organization")
    change_list_template = "admin/notifications/notification/change_list.html"

    def get_urls(self):
        return [
            path("broadcast/", self.admin_site.admin_view(self.broadcast_view), name="notifications_broadcast"),
            *super().get_urls(),
        ]

    def broadcast_view(self, request):
        """Post one notice (e.g. a key-rate change) to all or some organizations."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = BroadcastForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            orgs = list(data["organizations"]) or list(Organization.objects.filter(status="active"))
            with transaction.atomic():
                for org in orgs:
                    members_notify(
                        org=org, kind=data["kind"], title=data["title"], body=data["body"], only=set(data["channels"])
                    )
                audit_record(
                    action="notification_broadcast",
                    actor=request.user,
                    actor_kind="staff",
                    after={"title": data["title"], "organizations": len(orgs), "channels": sorted(data["channels"])},
                    origin=Origin.of(request),
                )
            self.message_user(request, _("Sent to %(n)d organizations.") % {"n": len(orgs)}, messages.SUCCESS)
            return redirect("admin:notifications_notification_changelist")
        return TemplateResponse(
            request,
            "admin/notifications/notification/broadcast.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                "title": _("Notify organizations"),
            },
        )


@admin.register(NoticeChannels)
class NoticeChannelsAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "portal", "email", "sms", "telegram", "updated_at")
    list_filter = ("kind", "sms", "telegram")
    search_fields = ("user__full_name", "user__phone", "user__email")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(TelegramLink)
class TelegramLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "username", "chat_id", "linked_at", "blocked_at")
    list_filter = (("blocked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__full_name", "user__phone", "username")
    raw_id_fields = ("user",)
    readonly_fields = ("linked_at",)
    list_select_related = ("user",)


@admin.register(TelegramLinkCode)
class TelegramLinkCodeAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "expires_at", "used_at")
    search_fields = ("user__full_name", "user__phone")
    exclude = ("code",)  # a live code would link a stranger's chat
    list_select_related = ("user",)


@admin.register(TelegramMessage)
class TelegramMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "user", "kind", "title", "status", "attempts", "last_error", "fell_back_to_email", "enqueued_at", "sent_at"
    )  # fmt: skip
    list_filter = ("status", "kind", "fell_back_to_email")
    search_fields = ("user__full_name", "user__phone", "title")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    actions = ["retry"]

    def has_retry_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.action(permissions=["retry"], description=_("Send the selected Telegram messages again"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(status=TelegramMessage.Status.FAILED).values_list("pk", flat=True))
        TelegramMessage.objects.filter(pk__in=ids).update(
            status=TelegramMessage.Status.QUEUED, enqueued_at=timezone.now()
        )
        for pk in ids:
            deliver_telegram.enqueue(pk)
        self.message_user(
            request,
            ngettext("%(n)d message queued.", "%(n)d messages queued.", len(ids)) % {"n": len(ids)},
        )


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(ReadOnlyAdmin):
    """«Доставка уведомлений»: each notice per person and channel — sent, delivered (in the portal), queued or
    failed with the reason (the SMS and Telegram outbox rows say; the SMS gateways send no receipts)."""

    list_display = ("created_at", "title", "kind", "user", "organization", "channel", "status", "reason")
    list_filter = ("channel", "kind")
    search_fields = ("title", "user__full_name", "user__phone", "organization__name")
    date_hierarchy = "created_at"
    list_select_related = ("user", "organization", "sms_message", "telegram_message")
    raw_id_fields = ("user", "organization", "sms_message", "telegram_message")

    @admin.display(description=_("status"))
    def status(self, obj: NoticeDelivery) -> str:
        return str(NoticeDelivery.Status(obj.delivery()[0]).label)

    @admin.display(description=_("reason"))
    def reason(self, obj: NoticeDelivery) -> str:
        return obj.delivery()[1]


@admin.register(ShortLink)
class ShortLinkAdmin(ReadOnlyAdmin):
    list_display = ("code", "path", "created_at")
    search_fields = ("code", "path")
