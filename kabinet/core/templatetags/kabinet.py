"""The portal's template tags and filters: money, INN, phones, dates and plates as the portal writes them,
row links (`url_id`), query strings that keep the filters, widget attributes."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from kabinet.core import formatting, phones
from kabinet.core.links import reverse_id

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
def paid_count(lines) -> int:
    """How many of the schedule lines the ledger marked paid (their `status`, set by the ledger)."""
    return sum(1 for line in lines if getattr(line, "status", "") == "paid")


@register.filter
def ru_datetime(value):
    """`28.11.2026 14:05`, local time."""
    return formatting.format_datetime(value)


@register.filter
def plate(value):
    return formatting.format_plate(value)


@register.simple_tag
def url_id(name: str, pk: int) -> str:
    """`{% url name pk %}` for the rows of a table: the same URL, without reversing it per row
    (`kabinet.core.links.reverse_id`)."""
    return reverse_id(name, pk)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None or '' removes one): what
    `request.GET.copy()`, updated and `urlencode()`d, gives — a replaced parameter keeps its place, a new
    one comes last — without copying the QueryDict and encoding each pair on its own."""
    pairs: list[tuple[str, str]] = []
    for key, values in context["request"].GET.lists():
        if key not in changes:
            pairs.extend((key, value) for value in values)
        elif (value := changes[key]) is not None and value != "":
            pairs.append((key, str(value)))
    present = context["request"].GET
    for key, value in changes.items():
        if key not in present and value is not None and value != "":
            pairs.append((key, str(value)))
    encoded = urlencode(pairs)
    return f"?{encoded}" if encoded else "?"


# The Bootstrap class of a widget, by Django's `widget_type` (the widget class name without «Input»/«Widget»).
_WIDGET_CLASSES = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "nullbooleanselect": "form-select",
    "selectmultiple": "form-select",
    "radioselect": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
}


@register.simple_tag
def widget(field, **attrs):
    """A bound field's widget with its Bootstrap class (`form-control`, `form-select`, `form-check-input`)
    and `is-invalid` when it has errors; Django adds `required`, `aria-invalid` and `aria-describedby`.
    Keyword arguments become attributes (`{% widget field autofocus=True %}`)."""
    own = field.field.widget.attrs.get("class", "")
    base = _WIDGET_CLASSES.get(field.widget_type, "form-control")
    classes = " ".join(c for c in (own, base, "is-invalid" if field.errors else "") if c)
    return field.as_widget(attrs={"class": classes, **attrs})
