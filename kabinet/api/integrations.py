"""«Настройки» → «Интеграции»: an organization's administrator issues read-only tokens for the
organization's own systems (1С, a treasury system), sees when each was last used, revokes them, and
sets the address the events are POSTed to. The key and the webhook secret are shown once, on the page
the POST answers with (never kept, never in a redirect or a session). Issuing a key and setting a webhook
need the administrator's password (once every 15 minutes, as changing employees). A GET never writes."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.api import services
from kabinet.api.models import ApiToken
from kabinet.api.webhooks import check_webhook_url
from kabinet.core.access import OrgRequest, role_required
from kabinet.core.net import AddressRefused, Origin, resolve_public
from kabinet.core.views import page_numbers, paginate
from kabinet.organizations.models import Membership

ADMIN = Membership.Role.ADMIN
MAX_NETWORKS = 50


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("System"),
        max_length=128,
        help_text=gettext_lazy("What will use the key, e.g. «1С:Бухгалтерия» or «Казначейство»."),
    )
    allowed_ips = forms.CharField(
        label=gettext_lazy("Allowed IP addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "203.0.113.10\n198.51.100.0/24"}),
        help_text=gettext_lazy("One address or network per line. Empty: calls from any address are accepted."),
    )

    def clean_allowed_ips(self) -> str:
        lines = [line.strip() for line in self.cleaned_data.get("allowed_ips", "").splitlines() if line.strip()]
        if len(lines) > MAX_NETWORKS:
            raise forms.ValidationError(_("At most %(count)d addresses or networks.") % {"count": MAX_NETWORKS})
        networks = []
        for number, line in enumerate(lines, start=1):
            try:
                networks.append(str(ipaddress.ip_network(line, strict=False)))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Line %(number)d: «%(value)s» is neither an IP address nor a network (e.g. 203.0.113.0/24).")
                    % {"number": number, "value": line[:64]}
                ) from exc
        return "\n".join(networks)


class WebhookForm(forms.Form):
    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook address"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=gettext_lazy("Events are POSTed here, signed with the secret. Empty: no webhooks."),
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data.get("webhook_url", "")
        if url:
            try:
                _scheme, host, port, _path = check_webhook_url(url)
                resolve_public(host, port)
            except AddressRefused as exc:
                raise forms.ValidationError(
                    _("The address must be reachable from the internet (not a local or internal network).")
                ) from exc
        return url


def _page(request: OrgRequest, status: int = 200, **extra: Any) -> HttpResponse:
    page = paginate(request, services.client_tokens(request.org))
    context = {
        "page": page,
        "tokens": page.object_list,
        "page_numbers": page_numbers(page),
        "form": extra.pop("form", None) or TokenForm(),
        "webhook_forms": extra.pop("webhook_forms", {}),
        "section": "settings",
        **extra,
    }
    return render(request, "organizations/integrations.html", context, status=status)


def _token(request: OrgRequest, pk: int) -> ApiToken:
    token = services.client_token(request.org, pk)
    if token is None:
        raise Http404
    return token


@role_required(ADMIN)
def integrations(request: OrgRequest) -> HttpResponse:
    """The organization's tokens (a GET that writes nothing)."""
    return _page(request)


@role_required(ADMIN, sudo=True)
@require_POST
def token_issue(request: OrgRequest) -> HttpResponseBase:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    token, key = services.client_token_issue(
        org=request.org,
        actor=request.user,
        name=form.cleaned_data["name"],
        allowed_ips=form.cleaned_data["allowed_ips"],
        origin=Origin.of(request),
    )
    # Answered with the page itself: the key is in this response only.
    return _page(request, issued=token, key=key)


@role_required(ADMIN)
@require_POST
def token_revoke(request: OrgRequest, pk: int) -> HttpResponseBase:
    token = _token(request, pk)
    if services.client_token_revoke(org=request.org, actor=request.user, token=token, origin=Origin.of(request)):
        messages.success(request, _("The key «%(name)s» is revoked: calls with it are refused.") % {"name": token.name})
    return redirect("integrations:list")


@role_required(ADMIN, sudo=True)
@require_POST
def webhook_set(request: OrgRequest, pk: int) -> HttpResponseBase:
    token = _token(request, pk)
    if token.revoked_at is not None:
        raise Http404
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, webhook_forms={token.pk: form}, status=400)
    url = form.cleaned_data["webhook_url"]
    secret = services.client_webhook_set(
        org=request.org, actor=request.user, token=token, url=url, origin=Origin.of(request)
    )
    if not secret:
        messages.success(request, _("Webhooks of «%(name)s» are off.") % {"name": token.name})
        return redirect("integrations:list")
    return _page(request, webhook_token=token, secret=secret)
