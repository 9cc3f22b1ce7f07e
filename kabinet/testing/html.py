"""Reading a rendered page in tests: the page is what the user gets, so tests assert on its HTML (not on
the view's template context). A small tree over the standard library's parser:

    page = parse(response)
    page.find(data_testid="debt-total").text          # "1 800,00 ₽"
    [row.cells() for row in page.find(data_testid="contracts-table").find_all("tr")]
    page.find_all("a", href_startswith="/contracts/")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SPACES = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The visible text, spaces collapsed (no-break spaces kept as they are)."""
        return _SPACES.sub(" ", self._raw_text()).strip()

    def _raw_text(self) -> str:
        return "".join(
            c if isinstance(c, str) else " " * (c.tag in ("br", "td", "th")) + c._raw_text() for c in self.children
        )

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    def matches(self, tag: str | None, attrs: dict[str, Any]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for key, expected in attrs.items():
            if key.endswith("_startswith"):
                name = key.removesuffix("_startswith").replace("_", "-")
                if not (self.attrs.get(name) or "").startswith(expected):
                    return False
            elif key == "class_":
                if expected not in (self.attrs.get("class") or "").split():
                    return False
            elif self.attrs.get(key.replace("_", "-")) != expected:
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs: Any) -> list[Element]:
        """Every element below this one with that tag and these attributes (`data_testid=` is `data-testid`;
        `class_=` is one of the classes; `href_startswith=` a prefix), in document order."""
        found: list[Element] = []
        for child in self.children:
            if isinstance(child, Element):
                if child.matches(tag, attrs):
                    found.append(child)
                found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: Any) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> on the page"
        return found[0]

    def texts(self, tag: str | None = None, **attrs: Any) -> list[str]:
        return [element.text for element in self.find_all(tag, **attrs)]

    def cells(self) -> list[str]:
        """A table row's cells' texts."""
        return [c.text for c in self.children if isinstance(c, Element) and c.tag in ("td", "th")]

    def rows(self) -> list[list[str]]:
        """A table's body rows, as their cells' texts."""
        bodies = self.find_all("tbody") or [self]
        return [row.cells() for body in bodies for row in body.find_all("tr")]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: Any) -> Element:
    """The page's tree, from a response or from HTML text."""
    html = page if isinstance(page, str) else page.content.decode()
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
