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
    """Any stored or typed phone as `+7 (900) 000-00-01`."""
    if not value:
        return ""
    text = str(value)
    return phones.format_phone(phones.normalize_phone(text) or text)


@register.filter
def ru_date(value):
    """`28.11.2026` (also for ISO strings kept in JSON)."""
    return formatting.format_date(value)


@register.filter
def ru_datetime(value):
    """`28.11.2026 14:05`, local time."""
    return formatting.format_datetime(value)


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
