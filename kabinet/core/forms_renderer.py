"""The form renderer: the project's templates (FORM_RENDERER), with Django's own input, select and textarea
widgets written in Python.

Django renders a `<select>` as one template per option (`select_option.html` and `attrs.html` each time):
a filter of a few hundred requests or contracts cost ~30 ms of the documents page («no per-option
template logic»). The widgets below produce exactly the markup of Django's templates from the same
widget context (`Widget.get_context`: value formatting, optgroups, `selected`, the aria attributes the
bound field adds), so forms keep Django's behaviour; any other template, or a project override of one of
these, renders through the templates as usual.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import TemplatesSetting
from django.template import engines
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

_WIDGETS = "django/forms/widgets/"
_INPUTS = {
    f"{_WIDGETS}{name}.html"
    for name in (
        *("text", "search", "date", "number", "email", "tel", "url", "password", "hidden", "input"),
        *("datetime", "time", "color"),
    )
}
_SELECT = f"{_WIDGETS}select.html"
_TEXTAREA = f"{_WIDGETS}textarea.html"


def _value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape: safe strings stay as they are."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def render_attrs(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html`: False leaves an attribute out, True writes it bare."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_value(value)}"'
        )
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_value(widget["value"])}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{render_attrs(widget["attrs"])}>'
    )


def _select(widget: dict[str, Any]) -> str:
    out = [f'<select name="{escape(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            out.append(
                f'\n  <option value="{_value(option["value"])}"{render_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: dict[str, Any]) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{render_attrs(widget["attrs"])}>\n{value}</textarea>'


_FAST = {_SELECT: _select, _TEXTAREA: _textarea, **dict.fromkeys(_INPUTS, _input)}


class FormRenderer(TemplatesSetting):
    def get_template(self, template_name: str):
        """From the Django templates engine straight away: the forms' templates are Django templates, and
        asking the client side's Jinja2 engine first would cost a failed look-up per field."""
        return engines["django"].get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        fast = _FAST.get(template_name)
        if fast is not None and _is_djangos(template_name):
            return mark_safe(fast(context["widget"]))  # noqa: S308  # nosec B308 B703 (every value above is escaped)
        return super().render(template_name, context, request)


_origins: dict[str, bool] = {}


def _is_djangos(template_name: str) -> bool:
    """Whether the template the engine would use is Django's own (a project override is rendered as written)."""
    if template_name not in _origins:
        origin = engines["django"].get_template(template_name).origin.name  # type: ignore[attr-defined]  # the backend's Template wraps one with an origin
        _origins[template_name] = "/django/forms/templates/" in str(origin).replace("\\", "/")
    return _origins[template_name]
