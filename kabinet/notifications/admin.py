from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from kabinet.audit.services import audit_record
from kabinet.core.net import Origin
from kabinet.notifications.models import Notification
from kabinet.notifications.services import notify_members
from kabinet.organizations.models import Organization


class BroadcastForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Notification.Kind.choices, initial=Notification.Kind.KEY_RATE)
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
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
                    notify_members(org=org, kind=data["kind"], title=data["title"], body=data["body"])
                audit_record(
                    action="notification_broadcast",
                    actor=request.user,
                    actor_kind="staff",
                    after={"title": data["title"], "organizations": len(orgs)},
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
