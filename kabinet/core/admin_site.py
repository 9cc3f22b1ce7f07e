"""The back office in correct Russian.

Django's admin builds its titles and messages by putting a model's `verbose_name` (nominative)
into a sentence: «Выберите заявка для изменения», «заявка «…» был успешно изменен».
This site knows each model's grammatical gender and accusative form (`NOUNS`) and uses them in
the titles («Выберите заявку для изменения», «Изменить заявку», «Добавить заявку») and in the
success messages («Заявка «UC-0100001» изменена.»); counts of records use ngettext.

Every ModelAdmin registered on the site (third-party ones included) gets `GrammarMixin`, so the
rules hold for models added later too; `test_admin_grammar` fails for a model missing from NOUNS.

The home page is laid out by the staff's tasks (`SECTIONS`), not by Django app: each task lists its
models and the counts of what waits (`Waiting`, contributed by the apps' admin modules, since this
floor imports no app). Technical models sit under «Служебное», shown to superusers only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import FieldDoesNotExist
from django.forms import MultiWidget
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
from kabinet.core.version import VERSION

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
    "core.schedulerrun": Noun(M),
    "core.heldupload": Noun(M),
    "accounts.user": Noun(M, pgettext_lazy("accusative", "user")),
    "accounts.registration": Noun(F, pgettext_lazy("accusative", "registration request")),
    "accounts.consentdocument": Noun(M),
    "accounts.consent": Noun(N),
    "accounts.phonechallenge": Noun(M),
    "accounts.smsmessage": Noun(N),
    "accounts.usersession": Noun(M),
    "accounts.signinfailure": Noun(M),
    "accounts.datarequest": Noun(F, pgettext_lazy("accusative", "personal data request")),
    "accounts.consentwithdrawal": Noun(M),
    "accounts.passkey": Noun(M),
    "organizations.organization": Noun(F, pgettext_lazy("accusative", "organization")),
    "organizations.membership": Noun(M),
    "organizations.registrycompany": Noun(F, pgettext_lazy("accusative", "registry company")),
    "organizations.invitation": Noun(N),
    "organizations.settlementaccount": Noun(M),
    "statements.reconciliation": Noun(P),
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
    "contracts.debtrow": Noun(F, pgettext_lazy("accusative", "overdue debt row")),
    "contracts.debttotal": Noun(M),
    "contracts.calendarfeed": Noun(F, pgettext_lazy("accusative", "calendar subscription")),
    "documents.document": Noun(M),
    "signatures.signatureagreement": Noun(N),
    "signatures.agreementacceptance": Noun(N),
    "signatures.signingright": Noun(N),
    "signatures.signaturerequest": Noun(M, pgettext_lazy("accusative", "signature request")),
    "signatures.signaturecode": Noun(M),
    "signatures.signature": Noun(F, pgettext_lazy("accusative", "signature")),
    "signatures.signaturerefusal": Noun(M),
    "signatures.qualifiedsignature": Noun(F),
    "invoices.invoice": Noun(M),
    "contracts.closingdocument": Noun(M),
    "contracts.closingdocumentvat": Noun(M),
    "invoices.invoicecounter": Noun(M),
    "appeals.appealtopic": Noun(F, pgettext_lazy("accusative", "appeal topic")),
    "appeals.appeal": Noun(F, pgettext_lazy("accusative", "request")),
    "appeals.appealstatuschange": Noun(F, pgettext_lazy("accusative", "status change")),
    "appeals.appealcomment": Noun(N),
    "appeals.appealcounter": Noun(M),
    "appeals.staffnote": Noun(F, pgettext_lazy("accusative", "internal note")),
    "appeals.replytemplate": Noun(M),
    "notifications.notification": Noun(N),
    "notifications.noticechannels": Noun(P),
    "notifications.telegramlink": Noun(F, pgettext_lazy("accusative", "Telegram link")),
    "notifications.telegramlinkcode": Noun(M),
    "notifications.telegrammessage": Noun(N),
    "notifications.noticedelivery": Noun(F, pgettext_lazy("accusative", "notice delivery")),
    "notifications.shortlink": Noun(F, pgettext_lazy("accusative", "short link")),
    "contracts.paymentreminder": Noun(N),
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


@dataclass(frozen=True)
class Section:
    key: str
    name: object  # a lazy string
    models: tuple[str, ...]
    superusers_only: bool = False


SERVICE = "service"

# The back office home by task. A registered model missing here lands in «Служебное» (superusers
# only), and `test_every_registered_model_has_a_section` names it.
SECTIONS: tuple[Section, ...] = (
    Section(
        "clients",
        _("Clients and registrations"),
        (
            "accounts.registration",
            "organizations.organization",
            "accounts.user",
            "accounts.passkey",
            "organizations.membership",
            "organizations.invitation",
            "organizations.settlementaccount",
            "organizations.registrycompany",
            "accounts.datarequest",
            "accounts.consentwithdrawal",
            "accounts.consent",
            "accounts.consentdocument",
        ),
    ),
    Section(
        "money",
        _("Contracts and money"),
        (
            "contracts.contract",
            "contracts.scheduledpayment",
            "contracts.paymentreceived",
            "contracts.debt",
            "contracts.booksdebt",
            "contracts.debtrow",
            "contracts.debttotal",
            "contracts.penalty",
            "contracts.adjustment",
            "contracts.allocation",
            "contracts.buyoutvalue",
            "contracts.leaseditem",
            "contracts.insurancepolicy",
            "contracts.paymentreminder",
            "invoices.invoice",
            "statements.reconciliation",
            "contracts.closingdocument",
            "contracts.closingdocumentvat",
            "creditors.creditor",
            "creditors.product",
            "creditors.leasingrulesedition",
        ),
    ),
    Section(
        "documents",
        _("Documents"),
        (
            "documents.document",
            "signatures.signaturerequest",
            "signatures.signature",
            "signatures.signaturerefusal",
            "signatures.qualifiedsignature",
            "signatures.signatureagreement",
            "signatures.agreementacceptance",
            "signatures.signingright",
        ),
    ),
    Section(
        "requests",
        _("Requests"),
        (
            "appeals.appeal",
            "appeals.replytemplate",
            "appeals.appealtopic",
            "appeals.staffnote",
            "appeals.appealcomment",
            "appeals.appealstatuschange",
        ),
    ),
    Section("support", _("Support"), ("support.supportthread", "support.supportmessage", "support.supportattachment")),
    Section(
        "broadcasts",
        _("Broadcasts"),
        (
            "notifications.notification",
            "notifications.noticedelivery",
            "notifications.noticechannels",
            "notifications.telegramlink",
        ),
    ),
    Section("integrations", _("Integrations"), ("api.apitoken", "api.webhookdelivery", "audit.apievent")),
    Section(
        SERVICE,
        _("Service"),
        (
            "audit.auditevent",
            "auth.group",
            "core.jobrun",
            "core.schedulerrun",
            "django_tasks_database.dbtaskresult",
            "core.heldupload",
            "api.idempotentupload",
            "appeals.appealcounter",
            "invoices.invoicecounter",
            "support.supportthreadread",
            "contracts.calendarfeed",
            "accounts.phonechallenge",
            "accounts.smsmessage",
            "notifications.telegrammessage",
            "notifications.telegramlinkcode",
            "notifications.shortlink",
            "accounts.signinfailure",
            "accounts.usersession",
            "signatures.signaturecode",
        ),
        superusers_only=True,
    ),
)
_SECTION_OF = {label: section for section in SECTIONS for label in section.models}
_SERVICE_SECTION = next(section for section in SECTIONS if section.key == SERVICE)


def section_of(opts) -> Section:
    return _SECTION_OF.get(opts.label_lower, _SERVICE_SECTION)


@dataclass(frozen=True)
class Waiting:
    """A count of what waits for the staff on the home page, a link to the list filtered to it."""

    section: str
    label: object  # a lazy string
    model: str  # the model's label, e.g. "appeals.appeal": the count shows only to who may see that list
    query: str  # the changelist's filter that shows the same rows
    count: Callable[[], int]
    alert: bool = False  # drawn as a warning while not zero (overdue requests)


WAITING: list[Waiting] = []


def add_waiting(waiting: Waiting) -> None:
    """Called by an app's admin module at import; the same count twice (a re-import) is kept once."""
    if all((w.section, w.model, w.query) != (waiting.section, waiting.model, waiting.query) for w in WAITING):
        WAITING.append(waiting)


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
    """A list column of a phone or money field written as everywhere in the portal:
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


def _name_table_inputs(formset) -> None:
    """A tabular inline names each field once, in its column's header, which does not label the inputs
    under it: each input carries the field's name itself (aria-label), or a screen reader announces a
    row of unnamed boxes. The rows built already and the blank row «Добавить ещё» copies alike. A date
    and time pair keeps the labels of its own template («Дата:», «Время:»)."""
    for fields in (formset.form.base_fields, *(form.fields for form in formset.forms)):
        for field in fields.values():
            if field.label and not field.widget.is_hidden and not isinstance(field.widget, MultiWidget):
                field.widget.attrs.setdefault("aria-label", str(field.label))


if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:  # a mixin at run time, checked as the ModelAdmin it is mixed into
    _AdminBase = object


class GrammarMixin(_AdminBase):
    """Titles and success messages with the right case and gender (see the module docstring); phone
    and money columns written the portal's way; the inputs of a tabular inline named for screen readers."""

    def _service_hidden(self, request) -> bool:
        return section_of(self.opts).superusers_only and not request.user.is_superuser

    # The technical models are closed to staff who are not superusers, by link as well as on the home.
    def has_module_permission(self, request):
        return not self._service_hidden(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._service_hidden(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._service_hidden(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return not self._service_hidden(request) and super().has_add_permission(request, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return not self._service_hidden(request) and super().has_delete_permission(request, obj)

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

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        for formset, inline in zip(formsets, inline_instances, strict=True):
            if isinstance(inline, admin.TabularInline):
                _name_table_inputs(formset)
        return super().get_inline_formsets(request, formsets, inline_instances, obj)

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

    def each_context(self, request):
        return {**super().each_context(request), "kabinet_version": VERSION}

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

    def get_app_list(self, request, app_label=None):
        """The home page and the side menu by task (`SECTIONS`); an app's own page stays by app."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        models = [model for app in super().get_app_list(request) for model in app["models"]]
        index = reverse("admin:index", current_app=self.name)
        grouped = []
        for section in SECTIONS:
            order = {label: position for position, label in enumerate(section.models)}
            mine = [m for m in models if section_of(m["model"]._meta) is section]
            if not mine:
                continue
            mine.sort(key=lambda m: (order.get(m["model"]._meta.label_lower, len(order)), str(m["name"])))
            grouped.append(
                {
                    "name": str(section.name),
                    "app_label": f"section-{section.key}",
                    "app_url": f"{index}#section-{section.key}",
                    "has_module_perms": True,
                    "models": mine,
                }
            )
        return grouped

    def waiting(self, request, app_list) -> dict[str, list[dict]]:
        """The counts of what waits, by section, for the lists this user may open."""
        urls = {m["model"]._meta.label_lower: m.get("admin_url") for app in app_list for m in app["models"]}
        found: dict[str, list[dict]] = {}
        for item in WAITING:
            url = urls.get(item.model)
            if not url:
                continue
            count = item.count()
            found.setdefault(f"section-{item.section}", []).append(
                {"label": item.label, "count": count, "url": f"{url}?{item.query}", "alert": item.alert and count > 0}
            )
        return found

    def index(self, request, extra_context=None):
        app_list = self.get_app_list(request)
        waiting = self.waiting(request, app_list)
        for app in app_list:
            app["waiting"] = waiting.get(app["app_label"], [])
        return super().index(request, {"app_list": app_list, **(extra_context or {})})

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, GrammarMixin):
            base = type(base.__name__, (GrammarMixin, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, base, **options)


class KabinetAdminConfig(AdminConfig):
    default_site = "kabinet.core.admin_site.KabinetAdminSite"
