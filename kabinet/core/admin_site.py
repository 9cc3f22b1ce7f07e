"""The back office in correct Russian.

Django's admin builds its titles and messages by putting a model's `verbose_name` (nominative)
into a sentence: «Выберите заявка для изменения», «заявка «…» был успешно изменен».
This site knows each model's grammatical gender and accusative form (`NOUNS`) and uses them in
the titles («Выберите заявку для изменения», «Изменить заявку», «Добавить заявку») and in the
success messages («Заявка «UC-0100001» изменена.»); counts of records use ngettext.

Every ModelAdmin registered on the site (third-party ones included) gets `GrammarMixin`, so the
rules hold for models added later too; `test_admin_grammar` fails for a model missing from NOUNS.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from kabinet.core.formatting import format_money
from kabinet.core.money import MoneyField
from kabinet.core.phones import format_phone

M, F, N, P = "masculine", "feminine", "neuter", "plural"  # P: nouns with no singular («пени»)


@dataclass(frozen=True)
class Noun:
    gender: str
    accusative: object = None  # a lazy string; None when it equals the nominative


# Model label → gender and, where it differs from the nominative, the accusative form.
NOUNS: dict[str, Noun] = {
    "auth.group": Noun(F, pgettext_lazy("accusative", "group")),
    "django_tasks_database.dbtaskresult": Noun(F, pgettext_lazy("accusative", "background task")),
    "core.jobrun": Noun(M),
    "core.heldupload": Noun(M),
    "accounts.user": Noun(M, pgettext_lazy("accusative", "user")),
    "accounts.registration": Noun(F, pgettext_lazy("accusative", "registration request")),
    "accounts.consentdocument": Noun(M),
    "accounts.consent": Noun(N),
    "accounts.phonechallenge": Noun(M),
    "accounts.smsmessage": Noun(N),
    "accounts.signinfailure": Noun(M),
    "accounts.datarequest": Noun(F, pgettext_lazy("accusative", "personal data request")),
    "accounts.consentwithdrawal": Noun(M),
    "organizations.organization": Noun(F, pgettext_lazy("accusative", "organization")),
    "organizations.membership": Noun(M),
    "organizations.registrycompany": Noun(F, pgettext_lazy("accusative", "registry company")),
    "organizations.invitation": Noun(N),
    "creditors.creditor": Noun(M, pgettext_lazy("accusative", "creditor")),
    "creditors.product": Noun(M),
    "creditors.leasingrulesedition": Noun(F, pgettext_lazy("accusative", "leasing rules edition")),
    "contracts.contract": Noun(M),
    "contracts.leaseditem": Noun(M),
    "contracts.scheduledpayment": Noun(M),
    "contracts.debt": Noun(F, pgettext_lazy("accusative", "overdue debt")),
    "contracts.insurancepolicy": Noun(M),
    "contracts.paymentreceived": Noun(F, pgettext_lazy("accusative", "payment received")),
    "contracts.allocation": Noun(N),
    "contracts.penalty": Noun(P),
    "contracts.adjustment": Noun(F, pgettext_lazy("accusative", "adjustment")),
    "contracts.buyoutvalue": Noun(F, pgettext_lazy("accusative", "buyout value")),
    "contracts.booksdebt": Noun(F),
    "contracts.calendarfeed": Noun(F, pgettext_lazy("accusative", "calendar subscription")),
    "documents.document": Noun(M),
    "invoices.invoice": Noun(M),
    "invoices.invoicecounter": Noun(M),
    "appeals.appealtopic": Noun(F, pgettext_lazy("accusative", "appeal topic")),
    "appeals.appeal": Noun(F, pgettext_lazy("accusative", "request")),
    "appeals.appealstatuschange": Noun(F, pgettext_lazy("accusative", "status change")),
    "appeals.appealcomment": Noun(N),
    "appeals.appealcounter": Noun(M),
    "appeals.staffnote": Noun(F, pgettext_lazy("accusative", "internal note")),
    "appeals.replytemplate": Noun(M),
    "notifications.notification": Noun(N),
    "support.supportthread": Noun(N),
    "support.supportmessage": Noun(N),
    "support.supportattachment": Noun(N),
    "support.supportthreadread": Noun(F, pgettext_lazy("accusative", "read mark")),
    "audit.auditevent": Noun(N),
    "api.apitoken": Noun(M),
    "audit.apievent": Noun(N),
    "api.idempotentupload": Noun(M),
    "api.webhookdelivery": Noun(F, pgettext_lazy("accusative", "webhook delivery")),
}


def noun(opts) -> Noun:
    return NOUNS.get(opts.label_lower, Noun(M))


def accusative(opts) -> str:
    found = noun(opts).accusative
    return str(found) if found is not None else str(opts.verbose_name)


def _added(gender: str) -> str:
    return {
        M: pgettext("masculine", "The {name} «{obj}» was added."),
        F: pgettext("feminine", "The {name} «{obj}» was added."),
        N: pgettext("neuter", "The {name} «{obj}» was added."),
        P: pgettext("plural", "The {name} «{obj}» were added."),
    }[gender]


def _changed(gender: str) -> str:
    return {
        M: pgettext("masculine", "The {name} «{obj}» was changed."),
        F: pgettext("feminine", "The {name} «{obj}» was changed."),
        N: pgettext("neuter", "The {name} «{obj}» was changed."),
        P: pgettext("plural", "The {name} «{obj}» were changed."),
    }[gender]


def _deleted(gender: str) -> str:
    return {
        M: pgettext("masculine", "The {name} «{obj}» was deleted."),
        F: pgettext("feminine", "The {name} «{obj}» was deleted."),
        N: pgettext("neuter", "The {name} «{obj}» was deleted."),
        P: pgettext("plural", "The {name} «{obj}» were deleted."),
    }[gender]


_FORMATTED_COLUMNS: dict[tuple[str, str], object] = {}


def _formatted_column(opts, name: str):
    """A list column of a phone or money field written as everywhere in the portal (issue 14.8):
    `+7 (900) 000-00-01` and `3 600 000,00 ₽` (Django would print `+79000000001` and `3600000,00`).
    Any other column is returned unchanged."""

    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:  # a method or an attribute: Django resolves it
        return name
    if isinstance(field, PhoneNumberField):
        formatter = lambda value: format_phone(str(value))  # noqa: E731
    elif isinstance(field, MoneyField):
        formatter = format_money
    else:
        return name
    key = (opts.label, name)
    if key not in _FORMATTED_COLUMNS:

        @admin.display(description=field.verbose_name, ordering=name)
        def column(obj):
            value = getattr(obj, name)
            return formatter(value) if value not in (None, "") else "—"

        column.__name__ = f"{name}_formatted"
        _FORMATTED_COLUMNS[key] = column
    return _FORMATTED_COLUMNS[key]


if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:  # a mixin at run time, checked as the ModelAdmin it is mixed into
    _AdminBase = object


class GrammarMixin(_AdminBase):
    """Titles and success messages with the right case and gender (see the module docstring); phone
    and money columns written the portal's way."""

    def get_list_display(self, request):
        return [
            _formatted_column(self.opts, name) if isinstance(name, str) else name
            for name in super().get_list_display(request)
        ]

    def _grammar_titles(self, request) -> dict:
        acc = accusative(self.opts)
        return {"kabinet_accusative": acc, "kabinet_add_label": _("Add %(name)s") % {"name": acc}}

    def changelist_view(self, request, extra_context=None):
        acc = accusative(self.opts)
        if self.has_change_permission(request):
            title = _("Select %(name)s to change") % {"name": acc}
        else:
            title = _("Select %(name)s to view") % {"name": acc}
        context = {**self._grammar_titles(request), "title": title, **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        acc = accusative(self.opts)
        if object_id is None:
            title = _("Add %(name)s") % {"name": acc}
        elif self.has_change_permission(request):
            title = _("Change %(name)s") % {"name": acc}
        else:
            title = _("View %(name)s") % {"name": acc}
        context = {**self._grammar_titles(request), "title": title, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context=context)

    def delete_view(self, request, object_id, extra_context=None):
        context = {"object_name": accusative(self.opts), **(extra_context or {})}
        return super().delete_view(request, object_id, extra_context=context)

    @contextmanager
    def _replacing_success(self, request, replacement):
        """Run Django's response code, swapping its success message for `replacement`."""
        original = self.message_user
        sent: list[bool] = []

        def capture(req, message, level=messages.INFO, *args, **kwargs):
            if level == messages.SUCCESS and not sent:
                sent.append(True)
                return original(req, replacement, messages.SUCCESS)
            return original(req, message, level, *args, **kwargs)

        self.message_user = capture  # type: ignore[method-assign,assignment]  # this request only; removed below
        try:
            yield
        finally:
            del self.message_user

    def response_add(self, request, obj, post_url_continue=None):
        text = format_html(_added(noun(self.opts).gender), name=capfirst(str(self.opts.verbose_name)), obj=str(obj))
        with self._replacing_success(request, text):
            return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        text = format_html(_changed(noun(self.opts).gender), name=capfirst(str(self.opts.verbose_name)), obj=str(obj))
        with self._replacing_success(request, text):
            return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        text = format_html(
            _deleted(noun(self.opts).gender), name=capfirst(str(self.opts.verbose_name)), obj=obj_display
        )
        with self._replacing_success(request, text):
            return super().response_delete(request, obj_display, obj_id)


@admin.action(permissions=["delete"], description=_("Delete the selected records"))
def delete_selected(modeladmin, request, queryset):
    """Django's «delete selected», with the count said in the right word form."""
    count = queryset.count()
    text = ngettext("%(count)d record deleted.", "%(count)d records deleted.", count) % {"count": count}
    with modeladmin._replacing_success(request, text):
        return django_delete_selected(modeladmin, request, queryset)


class KabinetAdminSite(admin.AdminSite):
    site_header = _("Kabinet — back office")
    site_title = _("Kabinet")
    index_title = _("Administration")

    def __init__(self, name="admin"):
        super().__init__(name)
        self._actions["delete_selected"] = delete_selected
        self._global_actions["delete_selected"] = delete_selected

    def login(self, request, extra_context=None):
        """Staff sign in through the portal's own sign-in: the same session rules as clients
        (without «Запомнить меня» the session ends with the browser and within 12 hours), the same
        throttling and audit. Django's own admin sign-in would give a silent 30-day session."""
        if request.user.is_authenticated and not self.has_permission(request):
            return TemplateResponse(
                request,
                "admin/no_access.html",
                {**self.each_context(request), "title": _("No access to the back office")},
                status=403,
            )
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, GrammarMixin):
            base = type(base.__name__, (GrammarMixin, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, base, **options)


class KabinetAdminConfig(AdminConfig):
    default_site = "kabinet.core.admin_site.KabinetAdminSite"
