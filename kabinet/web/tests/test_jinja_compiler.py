"""The client side's Jinja2 compiler (`kabinet.web.jinja_compiler`) renders exactly what Jinja's own does,
and the `date` filter gives what Django's templates give (local time included)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import jinja2
import pytest
from django.template import engines
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from markupsafe import Markup, escape

from kabinet.web.jinja_compiler import BufferedCodeGenerator, escape_output

TEMPLATES = {
    "base.html": (
        "<html>{% block head %}<title>{{ title }}</title>{% endblock %}"
        "<body>{% block content %}base content{% endblock %}{% include 'footer.html' %}</body></html>"
    ),
    "footer.html": "<footer>{{ footer }}{% for n in range(2) %}[{{ n }}]{% endfor %}</footer>",
    "page.html": (
        "before extends {{ title }}{% extends 'base.html' %}ignored after extends"
        "{% block head %}{{ super() }}<meta name='x' content='{{ title }}'>{% endblock %}"
        "{% block content %}{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}"
        "{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% set caption %}<b>{{ title }}</b>{% endset %}{{ caption }}"
        "<table>{% for row in rows if row.show %}<tr>{{ cell(row.name) }}"
        "{% if loop.last %}<td>last</td>{% else %}<td>{{ loop.index }}</td>{% endif %}</tr>"
        "{% else %}<tr><td>none</td></tr>{% endfor %}</table>"
        "{% filter upper %}shout {{ title }}{% endfilter %}{% call wrap() %}called {{ title }}{% endcall %}"
        "{% with w = rows|length %}{{ w }}{% endwith %}{{ self.head() }}{% endblock %}"
    ),
}


def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    stock = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    ours = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    ours.code_generator_class = BufferedCodeGenerator
    return stock, ours


@pytest.mark.parametrize(
    "context",
    [
        {"title": "A & B <script>", "footer": Markup("<i>safe</i>"), "rows": []},
        {
            "title": "Договор № 1",
            "footer": 42,
            "rows": [
                {"name": "<x>", "show": True},
                {"name": "hidden", "show": False},
                {"name": Decimal("10.50"), "show": True},
            ],
        },
    ],
)
def test_a_template_renders_the_same_text_as_with_jinjas_own_compiler(context):
    stock, ours = _environments()
    expected = stock.get_template("page.html").render(context)
    assert ours.get_template("page.html").render(context) == expected
    # Each block alone, as the htmx fragments render them.
    for name in ("head", "content"):
        stock_template, our_template = stock.get_template("base.html"), ours.get_template("base.html")
        stock_block = stock.concat(stock_template.blocks[name](stock_template.new_context(context)))  # type: ignore[attr-defined]
        our_block = ours.concat(our_template.blocks[name](our_template.new_context(context)))  # type: ignore[attr-defined]
        assert our_block == stock_block
    # And the output is in order: what comes before the extends, then the parent's page.
    assert expected.startswith("before extends")


def test_roots_and_blocks_yield_their_output_once():
    _, ours = _environments()
    template = ours.get_template("page.html")
    context = {"title": "t", "footer": "f", "rows": [{"name": "a", "show": True}] * 5}
    base = ours.get_template("base.html")
    assert len(list(base.blocks["head"](base.new_context(context)))) == 1
    # The child's text before its extends, then the parent's whole page.
    assert len(list(template.generate(context))) == 2


def test_an_include_without_context_is_refused_at_compile_time():
    environment = jinja2.Environment(loader=jinja2.DictLoader({"x.html": "x"}), autoescape=True)
    environment.code_generator_class = BufferedCodeGenerator
    with pytest.raises(jinja2.TemplateAssertionError):
        environment.from_string("a{% include 'x.html' without context %}b")


class _Html:
    def __html__(self):
        return "<em>as html</em>"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "<a href='x'>&\"</a>",
        "",
        "кириллица < латиница",
        0,
        -15,
        True,
        None,
        Decimal("1.20"),
        2.5,
        Markup("<b>kept</b>"),
        mark_safe("<i>safe</i>"),
        gettext_lazy("Contracts"),
        SimpleLazyObject(lambda: "<lazy>"),
        _Html(),
        jinja2.ChainableUndefined(),
    ],
)
def test_escape_output_gives_markupsafes_text(value):
    assert escape_output(value) == str(escape(value))


def test_the_date_filter_gives_what_djangos_templates_give_in_local_time(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    values = [
        dt.datetime(2026, 3, 16, 22, 30, tzinfo=dt.UTC),  # 01:30 on the 17th in Moscow
        dt.datetime(2026, 1, 5, 3, 4),
        dt.date(2026, 1, 5),
        dt.date(999, 1, 2),
        None,
        "",
    ]
    jinja, django = engines["jinja2"], engines["django"]
    for value in values:
        for fmt in ("d.m.Y", "Y-m-d", "d.m.Y H:i", "j E Y"):
            if type(value) is dt.date and "H" in fmt:
                continue
            ours = jinja.from_string("{{ v|date(f) }}").render({"v": value, "f": fmt})
            theirs = django.from_string("{{ v|date:f }}").render({"v": value, "f": fmt})
            assert ours == theirs, (value, fmt)
    assert jinja.from_string('{{ v|date("d.m.Y H:i") }}').render({"v": values[0]}) == "17.03.2026 01:30"


def test_constant_texts_are_translated_when_compiling_and_each_language_keeps_its_own():
    from django.utils import translation

    backend = engines["jinja2"]
    source = (
        '{{ _("Contracts") }}|{{ pgettext("payment calendar", "Paid") }}|{% trans %}Documents{% endtrans %}|'
        "{% trans n=2 %}{{ n }} contract{% pluralize %}{{ n }} contracts{% endtrans %}|{{ _(word) }}"
    )
    code = backend.env.compile(source, raw=True)  # type: ignore[attr-defined]
    assert "'Contracts'" not in code and "'Documents'" not in code  # compiled as their translations
    with translation.override("ru"):
        russian = backend.from_string(source).render({"word": "Contracts"})
        expected = "|".join(
            [
                translation.gettext("Contracts"),
                translation.pgettext("payment calendar", "Paid"),
                translation.gettext("Documents"),
                translation.ngettext("%(n)s contract", "%(n)s contracts", 2) % {"n": 2},
                translation.gettext("Contracts"),
            ]
        )
        assert russian == expected
        assert russian.startswith("Договоры|")
    with translation.override("en"):
        assert backend.from_string(source).render({"word": "Contracts"}).startswith("Contracts|")
    # A file template, asked for in one language and then in another, is each language's.
    page = type("Page", (), {"paginator": type("P", (), {"num_pages": 2})(), "number": 1})()
    page.has_previous = page.has_next = lambda: False  # type: ignore[attr-defined]
    context = {"page": page, "page_numbers": []}
    with translation.override("en"):
        assert 'aria-label="Pages"' in backend.get_template("components/pagination.html").render(context)
    with translation.override("ru"):
        russian_nav = backend.get_template("components/pagination.html").render(context)
        pages = translation.gettext("Pages")
    assert pages != "Pages" and f'aria-label="{pages}"' in russian_nav


def test_static_urls_are_kept_per_path_and_a_settings_change_is_seen(settings):
    from django.templatetags.static import static

    from kabinet.web.jinja import cached_static

    assert cached_static("css/kabinet.css") == static("css/kabinet.css")
    settings.STATIC_URL = "/elsewhere/"
    assert cached_static("css/kabinet.css").startswith("/elsewhere/")
