from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.views import page_numbers, paginate
from kabinet.core.xlsx import Column, xlsx_response
from kabinet.notifications import selectors, services
from kabinet.notifications.models import Notification


class NotificationFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search by notifications"), required=False, max_length=100, widget=forms.SearchInput
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *Notification.Kind.choices],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort"),
        required=False,
        choices=[("-date", gettext_lazy("Newest first")), ("date", gettext_lazy("Oldest first"))],
    )
    unread = forms.BooleanField(label=gettext_lazy("Unread only"), required=False)


def _filtered_notifications(request: OrgRequest) -> tuple[NotificationFilterForm, QuerySet[Notification]]:
    """The list's filters from the URL, shared by the page and its Excel export."""
    form = NotificationFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    notifications = selectors.notification_list(
        request.org,
        request.user,
        kind=data.get("kind") or "",
        unread=bool(data.get("unread")),
        q=data.get("q") or "",
        oldest_first=data.get("sort") == "date",
    )
    return form, notifications


@org_required
def notification_list(request: OrgRequest) -> HttpResponse:
    """«Уведомления» (§7): filter by type, sort by date, search, unread marks, «прочитать все»."""
    form, notifications = _filtered_notifications(request)
    page = paginate(request, notifications)
    kinds = request.user.email_notification_kinds if request.user.email_notifications_set else Notification.Kind.values
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page),
        "email_kinds": kinds,
        "all_kinds": Notification.Kind.choices,
        "section": "notifications",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "notifications/list.html#results", context)
    return render(request, "notifications/list.html", context)


@org_required
def notification_open(request: OrgRequest, pk: int) -> HttpResponse:
    notification = get_object_for_org(selectors.mine(request.org, request.user), request.org, pk=pk)
    services.notifications_mark_read(org=request.org, user=request.user, ids=[notification.pk])
    link = notification.link if url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None) else ""
    return HttpResponseRedirect(link or "/notifications/")


@org_required
@require_POST
def notification_read_all(request: OrgRequest) -> HttpResponse:
    count = services.notifications_mark_read(org=request.org, user=request.user)
    messages.success(request, _("Marked as read: %(n)d.") % {"n": count})
    return redirect("notifications:list")


@org_required
@require_POST
def notification_settings(request: OrgRequest) -> HttpResponse:
    services.set_email_kinds(user=request.user, kinds=request.POST.getlist("email_kinds"))
    messages.success(request, _("The e-mail settings are saved."))
    return redirect("notifications:list")


@org_required
def notification_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Уведомления» as Excel, with the filters of the page; reading the file marks nothing as read."""
    notifications = _filtered_notifications(request)[1]
    limit = settings.EXPORT_MAX_ROWS
    return xlsx_response(
        filename=_("Notifications %(date)s.xlsx") % {"date": f"{timezone.localdate():%d.%m.%Y}"},
        heading=_("Notifications — %(org)s") % {"org": request.org.name},
        columns=[
            Column(_("Date"), "datetime", 17),
            Column(_("Type"), width=24),
            Column(_("Title"), width=40),
            Column(_("Text"), width=60),
            Column(_("Read"), width=10),
        ],
        rows=(
            (n.created_at, n.get_kind_display(), n.title, n.body, _("yes") if n.read_at else _("no"))
            for n in notifications[: limit + 1].iterator(chunk_size=500)
        ),
    )
