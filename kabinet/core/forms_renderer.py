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

import html
from pathlib import Path
from typing import Any

from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.template import engines
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from kabinet.core.templatetags.kabinet import widget

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


def _escaped(text: Any) -> str:
    """`conditional_escape(text)` as text, without its lazy-argument wrapper (a widget's every attribute
    goes through here): a safe string as it is, anything else `html.escape`d as Django's `escape` does."""
    if isinstance(text, Promise):
        text = str(text)
    safe = getattr(text, "__html__", None)
    return safe() if safe is not None else html.escape(str(text))


def _value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape: safe strings stay as they are."""
    return _escaped(value if isinstance(value, str) else str(value))


def render_attrs(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html`: False leaves an attribute out, True writes it bare."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_value(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_value(widget["value"])}"'
    kind, name = html.escape(str(widget["type"])), html.escape(str(widget["name"]))
    return f'<input type="{kind}" name="{name}"{value}{render_attrs(widget["attrs"])}>'


def _select(widget: dict[str, Any]) -> str:
    out = [f'<select name="{html.escape(str(widget["name"]))}"{render_attrs(widget["attrs"])}>']
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
    return f'<textarea name="{html.escape(str(widget["name"]))}"{render_attrs(widget["attrs"])}>\n{value}</textarea>'


_FAST = {_SELECT: _select, _TEXTAREA: _textarea, **dict.fromkeys(_INPUTS, _input)}

# The project's field group (templates/django/forms/field.html), written out below: a Django template per
# field cost ~700 calls (a form of ten fields, 7,000 on the settings page). `test_forms_renderer` holds the
# two to the same markup for every kind of field.
_FIELD = "django/forms/field.html"
_REQUIRED = ' <span class="text-danger" aria-hidden="true">*</span>'


def _hint_and_error(field: Any) -> str:
    """The field.html's help text and error lines, and the line break before its closing tag."""
    auto_id = conditional_escape(field.auto_id)
    help_text = field.help_text
    hint = f'<div class="form-text" id="{auto_id}_helptext">{conditional_escape(help_text)}</div>' if help_text else ""
    errors = field.errors
    error = (
        f'<div class="invalid-feedback d-block" id="{auto_id}_error">'
        f"{' '.join(conditional_escape(message) for message in errors)}</div>"
        if errors
        else ""
    )
    return f"\n  {hint}\n  {error}\n"


def _field_group(field: Any) -> str:
    """templates/django/forms/field.html for one bound field (its `{% widget %}` is the tag's own function)."""
    if field.is_hidden:
        return f"{conditional_escape(str(field))}\n"
    required = _REQUIRED if field.field.required else ""
    label = conditional_escape(field.label)
    if field.widget_type == "checkbox":
        for_id = conditional_escape(field.id_for_label)
        return (
            f'\n<div class="form-check mb-2">\n  {conditional_escape(widget(field))}\n'
            f'  <label class="form-check-label" for="{for_id}">{label}{required}</label>'
            f"{_hint_and_error(field)}</div>\n\n"
        )
    if field.use_fieldset:
        described = field.aria_describedby
        aria = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        options = "".join(
            f'<div class="form-check">{conditional_escape(option.tag())}<label class="form-check-label" '
            f'for="{conditional_escape(option.id_for_label)}">{conditional_escape(option.choice_label)}</label></div>'
            for option in field
        )
        return (
            f'\n<fieldset class="mb-3"{aria}>\n  <legend class="form-label fs-6">{label}{required}</legend>\n'
            f"  {options}{_hint_and_error(field)}</fieldset>\n\n"
        )
    head = (
        f'<label class="form-label" for="{conditional_escape(field.id_for_label)}">{label}</label>{required}'
        if field.label
        else ""
    )
    return f'\n<div class="mb-3">\n  {head}\n  {conditional_escape(widget(field))}{_hint_and_error(field)}</div>\n\n'


class FormRenderer(TemplatesSetting):
    def get_template(self, template_name: str):
        """From the Django templates engine straight away: the forms' templates are Django templates, and
        asking the client side's Jinja2 engine first would cost a failed look-up per field."""
        return engines["django"].get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        fast = _FAST.get(template_name)
        if fast is not None and _is_djangos(template_name):
            return mark_safe(fast(context["widget"]))  # noqa: S308  # nosec B308 B703 (every value above is escaped)
        if template_name == _FIELD and set(context) == {"field"} and _is_ours(template_name):
            return mark_safe(_field_group(context["field"]).strip())  # noqa: S308  # nosec B308 B703 (every value above is escaped)
        return super().render(template_name, context, request)


_origins: dict[str, bool] = {}


def _is_djangos(template_name: str) -> bool:
    """Whether the template the engine would use is Django's own (a project override is rendered as written)."""
    if template_name not in _origins:
        origin = engines["django"].get_template(template_name).origin.name  # type: ignore[attr-defined]  # the backend's Template wraps one with an origin
        _origins[template_name] = "/django/forms/templates/" in str(origin).replace("\\", "/")
    return _origins[template_name]


_ours: dict[str, bool] = {}


def _is_ours(template_name: str) -> bool:
    """Whether the template the engine would use is the project's own (templates/django/forms/), the one
    written out above."""
    if template_name not in _ours:
        origin = engines["django"].get_template(template_name).origin.name  # type: ignore[attr-defined]  # the backend's Template wraps one with an origin
        root = Path(settings.BASE_DIR) / "templates" / "django" / "forms"
        _ours[template_name] = Path(str(origin)).resolve().parent == root.resolve()
    return _ours[template_name]
