from __future__ import annotations

from django import template
from django.http import QueryDict

from kabinet.core import formatting, phones

register = template.Library()


@register.filter
def money(value, currency="₽"):
    return formatting.format_money(value, currency)


@register.filter
def inn(value):
    return formatting.format_inn(value)


@register.filter
def phone(value):
    return phones.format_phone(str(value) if value else "")


@register.filter
def plate(value):
    return formatting.format_plate(value)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None or '' removes one)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
