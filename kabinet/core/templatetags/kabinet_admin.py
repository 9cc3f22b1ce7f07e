"""Template helpers of the back office's own templates (templates/admin/)."""

from __future__ import annotations

from django import template
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()


@register.filter
def labelled_cells(result, headers) -> list[SafeString]:
    """A changelist row's cells (`<td …>` / `<th …>` as Django renders them), each with
    `data-label="<its column's name>"`; the selection checkbox's column has no name."""
    cells = []
    for item, header in zip(result, headers, strict=False):
        html = str(item)
        label = "" if "action-checkbox" in (header.get("class_attrib") or "") else strip_tags(str(header["text"]))
        if label and html[:3] in ("<td", "<th"):
            html = f'{html[:3]} data-label="{escape(capfirst(label.strip()))}"{html[3:]}'
        cells.append(mark_safe(html))  # noqa: S308  # nosec B308 B703 (Django's escaped cell, an escaped attribute)
    return cells
