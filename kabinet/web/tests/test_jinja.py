"""The client side's Jinja2 engine (kabinet/web/jinja.py): Django's helpers, escaping, fragments, one CSRF
token per page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template import TemplateDoesNotExist, engines
from django.test import RequestFactory

from kabinet.testing.html import parse


@pytest.fixture
def jinja():
    return engines["jinja2"]


def test_values_are_escaped_and_django_filters_behave_as_in_django_templates(jinja):
    template = jinja.from_string(
        "{{ text }}|{{ text|linebreaks }}|{{ text|linebreaksbr }}|{{ amount|money }}|{{ day|date('d.m.Y') }}"
    )
    html = template.render({"text": "<b>a</b>\nb", "amount": Decimal("1234.5"), "day": date(2026, 3, 16)})
    plain, paragraphs, lines, money, day = html.split("|")
    assert plain == "&lt;b&gt;a&lt;/b&gt;\nb"
    assert paragraphs == "<p>&lt;b&gt;a&lt;/b&gt;<br>b</p>"
    assert lines == "&lt;b&gt;a&lt;/b&gt;<br>b"
    assert money == "1\u202f234,50\u00a0₽" and day == "16.03.2026"


def test_gettext_url_and_a_missing_route(jinja):
    html = jinja.from_string(
        "{{ _('Contracts') }}|{{ url('contracts:list') }}|{{ url('contracts:detail', 7) }}|[{{ try_url('no:such') }}]"
        "|{% trans counter=3 %}{{ counter }} contract{% pluralize counter %}{{ counter }} contracts{% endtrans %}"
    ).render({})
    assert html == "Договоры|/contracts/|/contracts/7/|[]|3 договора"


def test_a_missing_name_prints_nothing_at_any_depth(jinja):
    assert jinja.from_string("[{{ nobody.user.name }}]{% if nobody.is_authenticated %}x{% endif %}").render({}) == "[]"


def test_a_page_s_block_renders_alone_as_an_htmx_fragment(jinja):
    with pytest.raises(TemplateDoesNotExist):
        jinja.get_template("contracts/contract_list.html#no_such_block")
    block = jinja.get_template("contracts/contract_list.html#results")
    assert block.template.render_block.__name__ == "block_results"


def test_every_form_of_a_page_carries_the_same_csrf_token(jinja, rf: RequestFactory):
    request = rf.get("/")
    html = jinja.from_string("{{ csrf_input }}{{ csrf_input }}<i>{{ csrf_token }}</i>").render({}, request)
    page = parse(html)
    values = [field.get("value") for field in page.find_all("input", name="csrfmiddlewaretoken")]
    assert len(values) == 2 and values[0] == values[1] == page.find("i").text and len(values[0] or "") == 64
