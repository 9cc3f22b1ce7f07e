from __future__ import annotations

import hmac
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kabinet.core.access import KabinetRequest, OrgRequest, get_object_for_org, org_required
from kabinet.core.views import page_numbers, paginate
from kabinet.messaging import telegram as bot
from kabinet.notifications import channels, exports, selectors, services, telegram
from kabinet.notifications.models import Notification

User = get_user_model()


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
    """A notification opened from the list. A GET writes nothing: the page marks it read by a POST
    it sends as it loads (htmx, `hx-trigger="load"`), and the POST's answer takes the user to the
    notification's page; without JavaScript the «Перейти» button sends the same POST."""
    notification = get_object_for_org(selectors.mine(request.org, request.user), request.org, pk=pk)
    link = notification.link if url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None) else ""
    target = link or reverse("notifications:list")
    if request.method == "POST":
        services.notifications_mark_read(org=request.org, user=request.user, ids=[notification.pk])
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return HttpResponseRedirect(target)
    return render(
        request, "notifications/open.html", {"notification": notification, "target": target, "section": "notifications"}
    )


@org_required
@require_POST
def notification_read_all(request: OrgRequest) -> HttpResponse:
    count = services.notifications_mark_read(org=request.org, user=request.user)
    messages.success(request, _("Marked as read: %(n)d.") % {"n": count})
    return redirect("notifications:list")


@org_required
@require_POST
def notification_settings(request: OrgRequest) -> HttpResponse:
    services.email_kinds_set(user=request.user, kinds=request.POST.getlist("email_kinds"))
    messages.success(request, _("The e-mail settings are saved."))
    return redirect("notifications:list")


@org_required
def notification_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Уведомления» as Excel, with the filters of the page; reading the file marks nothing as read."""
    return exports.notification_list_xlsx(request.org, _filtered_notifications(request)[1])


# ---------------------------------------------------------------------------------------------
# Channels («Профиль» → «Каналы уведомлений»), Telegram, one-click unsubscribe


@login_required
@require_POST
def notice_channels_save(request: KabinetRequest) -> HttpResponse:
    matrix = {kind: request.POST.getlist(f"channels-{kind}") for kind in Notification.Kind.values}
    channels.notice_channels_set(user=request.user, matrix=matrix, digest=request.POST.getlist("digest"))
    messages.success(request, _("The notice channels are saved."))
    return redirect(reverse("accounts:profile") + "#channels")


@login_required
@require_POST
def telegram_connect(request: KabinetRequest) -> HttpResponse:
    """«Подключить Telegram»: a one-time code and the link that opens the bot with it."""
    if not bot.enabled():
        raise Http404
    code = telegram.telegram_link_code_issue(user=request.user)
    return render(
        request,
        "notifications/telegram_connect.html",
        {"deep_link": bot.deep_link(code.code), "ttl_minutes": settings.TELEGRAM_LINK_CODE_TTL // 60},
    )


@login_required
@require_POST
def telegram_disconnect(request: KabinetRequest) -> HttpResponse:
    if telegram.telegram_unlink(user=request.user):
        messages.success(request, _("Telegram is disconnected: the notices go there no more."))
    return redirect(reverse("accounts:profile") + "#channels")


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    """The Bot API's updates (setWebhook with `secret_token`): only with the secret in the
    X-Telegram-Bot-Api-Secret-Token header; without a configured secret the webhook does not exist."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not bot.enabled() or not secret:
        raise Http404
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden()
    try:
        update = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return HttpResponseBadRequest()
    telegram.telegram_update_handle(update)
    return JsonResponse({"ok": True})


@csrf_exempt
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The List-Unsubscribe address of a notice's letter: a POST (RFC 8058 one-click, from the mail program or
    the button of this page) turns that kind's e-mail off, no sign-in needed; a GET only asks."""
    found = channels.unsubscribe_read(token)
    user = User.objects.filter(pk=found[0], is_active=True).first() if found else None
    if user is None or found is None:
        raise Http404
    kind = Notification.Kind(found[1])
    done = request.method == "POST"
    if done:
        channels.email_unsubscribe(user=user, kind=kind)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": done})


@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """`/s/<code>` of an SMS: a redirect to the portal page it stands for (the page itself asks to sign in).
    Only portal paths are ever redirected to, and following a link writes nothing (no click counts)."""
    target = channels.short_link_target(code)
    if target is None:
        raise Http404
    return HttpResponseRedirect(target)
