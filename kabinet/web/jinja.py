"""The client side's template engine: Jinja2 through Django's own backend (templates/jinja2/), with what
the pages need from Django — gettext (`_`, `ngettext`, `pgettext`, `{% trans %}`), `url`, `static`, the
CSRF input (the backend gives `csrf_input`/`csrf_token`), the forms' widgets, the portal's filters and
htmx fragments: `render(request, "contracts/contract_list.html#results")` renders that template's block
`results` alone (the way `jinja2-fragments` renders a block), so a view asks for a fragment by name as it
did with template-partials. The back office (templates/admin/, the forms' field template) stays on
Django templates. See docs/architecture.md.

Compiled templates stay in the environment's cache for the life of the process (`auto_reload` only in
DEBUG); escaping is on. Missing attributes print nothing, as they did with Django templates."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import jinja2
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2 as DjangoJinja2
from django.template.backends.jinja2 import Template as DjangoTemplate
from django.template.backends.jinja2 import get_exception_info
from django.template.defaultfilters import (
    add,
    capfirst,
    cut,
    date,
    filesizeformat,
    floatformat,
    linebreaks_filter,
    linebreaksbr,
    truncatechars,
    truncatewords,
    urlencode,
    yesno,
)
from django.template.exceptions import TemplateSyntaxError
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django_htmx.jinja import htmx_script

from kabinet.core.links import reverse_id
from kabinet.core.templatetags import kabinet as tags
from kabinet.notifications.channels import channels_card
from kabinet.web.header import header
from kabinet.web.jinja_compiler import PortalEnvironment


@lru_cache(maxsize=256)
def _plain(name: str, prefix: str, urlconf: str | None, language: str | None) -> str | None:
    """A URL without arguments, reversed once per script prefix, URLconf and language (what can change it);
    None when there is no such route."""
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=512)
def _static(path: str, prefix: str) -> str:
    return static(path)


def cached_static(path: str) -> str:
    """`{% static path %}`, worked out once per path and script prefix: the storage's answer (the manifest's
    hashed name) does not change while the process runs; a change of the static settings (tests) forgets it."""
    return _static(path, get_script_prefix())


@receiver(setting_changed)
def _forget_static(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG"}:
        _static.cache_clear()


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """`{% url name arg %}`: `url("contracts:detail", contract.pk)`. The header's and the pages' fixed links
    are reversed once (`_plain`), a link with one id as the rows' (`reverse_id`); the rest by `reverse()`."""
    if not kwargs:
        if not args:
            found = _plain(name, get_script_prefix(), get_urlconf(), get_language())
            if found is not None:
                return found
        elif len(args) == 1:
            return reverse_id(name, args[0])
    return reverse(name, args=args or None, kwargs=kwargs or None)


def try_url(name: str, *args: Any, **kwargs: Any) -> str:
    """`{% url name as var %}`: the URL, or "" when the route is not there (a feature switched off)."""
    try:
        return url(name, *args, **kwargs)
    except NoReverseMatch:
        return ""


def date_filter(value: Any, arg: str | None = None) -> str:
    """Django's `date` filter as Django's templates apply it: an aware datetime is put in local time first
    (the filter's `expects_localtime`, which Django's engine honours and Jinja knows nothing of). The
    formats the pages use (`d.m.Y`, `d.m.Y H:i`, `Y-m-d`) are written directly; any other goes to Django."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        value = timezone.localtime(value)
    cls = type(value)
    if (cls is dt.date or cls is dt.datetime) and value.year >= 1000:
        if arg == "d.m.Y":
            return f"{value.day:02d}.{value.month:02d}.{value.year}"
        if arg == "Y-m-d":
            return f"{value.year}-{value.month:02d}-{value.day:02d}"
        if arg == "d.m.Y H:i" and cls is dt.datetime:
            return f"{value.day:02d}.{value.month:02d}.{value.year} {value.hour:02d}:{value.minute:02d}"
    return date(value, arg)  # type: ignore[no-any-return]


@jinja2.pass_context
def query(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or '' removes one)."""
    return tags.query(context, **changes)


def environment(**options: Any) -> jinja2.Environment:
    # As with Django templates, a missing name or attribute prints nothing, at any depth (`user.is_authenticated`
    # on a page drawn without a request); Django's backend would pass its own choice.
    options["undefined"] = jinja2.ChainableUndefined
    options.pop("autoescape", None)  # escaping is on, whatever the settings say
    # Each template's root and blocks yield their output once, escaped without a Markup per value, and
    # constant texts are translated when compiling (kabinet/web/jinja_compiler.py).
    env = PortalEnvironment(extensions=["jinja2.ext.i18n"], autoescape=True, **options)
    # Django's catalogue: `_`, `gettext`, `ngettext`, `pgettext`, `npgettext` and `{% trans %}`. Old style, as
    # Django's tags: `_("…")` is Django's own gettext (escaped on output like `{% translate %}`), and a
    # `{% trans %}` block is the safe translation with its values escaped into it (`{% blocktranslate %}`).
    env.install_gettext_translations(translation, newstyle=False)  # type: ignore[attr-defined]  # added by the i18n extension
    env.globals.update(
        url=url,
        try_url=try_url,
        url_id=tags.url_id,
        static=cached_static,
        query=query,
        widget=tags.widget,
        htmx_script=htmx_script,
        notice_channels=channels_card,
        header=header,
    )
    env.filters.update(
        money=tags.money,
        inn=tags.inn,
        phone=tags.phone,
        ru_date=tags.ru_date,
        paid_count=tags.paid_count,
        ru_datetime=tags.ru_datetime,
        plate=tags.plate,
        date=date_filter,
        add=add,
        capfirst=capfirst,
        cut=cut,
        filesizeformat=filesizeformat,
        floatformat=floatformat,
        linebreaks=linebreaks_filter,
        linebreaksbr=linebreaksbr,
        truncatechars=truncatechars,
        truncatewords=truncatewords,
        urlencode=urlencode,
        yesno=yesno,
    )
    return env


class _Block:
    """One block of a template, rendered alone (what `jinja2-fragments` does with `render_block`)."""

    def __init__(self, template: jinja2.Template, name: str):
        self.template, self.name = template, name
        self.filename, self.render_block = template.filename, template.blocks[name]

    def render(self, context: dict[str, Any]) -> str:
        env = self.template.environment
        try:
            return env.concat(self.render_block(self.template.new_context(context)))  # type: ignore[attr-defined]  # "".join
        except Exception:
            return env.handle_exception()


class _CsrfToken:
    """The request's masked CSRF token, made at its first use on the page and then the same for every form:
    Django's lazy `csrf_input` masks the token again at each use (some 500 calls per form)."""

    __slots__ = ("_request", "_token")

    def __init__(self, request: HttpRequest):
        self._request, self._token = request, ""

    def __str__(self) -> str:
        if not self._token:
            self._token = get_token(self._request)
        return self._token

    __html__ = __str__


class _CsrfInput:
    __slots__ = ("_token",)

    def __init__(self, token: _CsrfToken):
        self._token = token

    def __str__(self) -> str:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{self._token}">'

    __html__ = __str__


class Template(DjangoTemplate):
    def render(self, context: dict[str, Any] | None = None, request: HttpRequest | None = None) -> str:
        """Django's backend's render, with the CSRF token made once per page (`_CsrfToken`)."""
        context = {} if context is None else context
        if request is not None:
            token = _CsrfToken(request)
            context["request"], context["csrf_token"], context["csrf_input"] = request, token, _CsrfInput(token)
            for processor in self.backend.template_context_processors:
                context.update(processor(request))
        return self.template.render(context)


class Jinja2(DjangoJinja2):
    """Django's Jinja2 backend that also reads `name#block`: that block of the template alone; one Jinja
    environment per active language, since constant texts are translated when a template is compiled."""

    def __init__(self, params: dict[str, Any]):
        super().__init__(params)
        self._environments: dict[str | None, jinja2.Environment] = {get_language(): self.env}
        self._templates: dict[tuple[str | None, str], Template] = {}

    def environment_for(self, language: str | None) -> jinja2.Environment:
        """The environment of a language: the first one made, or an overlay of it (same loader, globals
        and filters; a template cache of its own)."""
        env = self._environments.get(language)
        if env is None:
            env = self._environments[language] = self.env.overlay(cache_size=400)
        return env

    def from_string(self, template_code: str) -> Template:
        return Template(self.environment_for(get_language()).from_string(template_code), self)

    def get_template(self, template_name: str) -> Template:
        """The template (`name`), or one block of it alone (`name#block`), kept for the life of the process
        (looked up again on every call in DEBUG, where Jinja reloads changed files)."""
        language = get_language()
        found = self._templates.get((language, template_name))
        if found is not None and not self.env.auto_reload:
            return found
        name, _, block_name = template_name.partition("#")
        env = self.environment_for(language)
        try:
            template = Template(env.get_template(name), self)
        except jinja2.TemplateNotFound as exc:
            raise TemplateDoesNotExist(exc.name, backend=self) from exc  # type: ignore[arg-type]  # as Django does
        except jinja2.TemplateSyntaxError as exc:
            new = TemplateSyntaxError(exc.args)
            new.template_debug = get_exception_info(exc)  # type: ignore[attr-defined,arg-type]
            raise new from exc
        if block_name:
            if block_name not in template.template.blocks:
                raise TemplateDoesNotExist(template_name, backend=self)
            template.template = _Block(template.template, block_name)  # type: ignore[assignment]  # renders as one
        self._templates[(language, template_name)] = template
        return template
