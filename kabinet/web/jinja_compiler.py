"""How the client side's Jinja2 templates are compiled (`Environment.code_generator_class`, Jinja's own
extension point): the same templates, the same HTML, less work per page.

Jinja's code generator makes every template and every block a generator that yields each piece of
output separately — each constant run of HTML and each `{{ value }}` is one `yield`, and a block's
pieces pass one by one through every template that extends it (the card's rows through
`block_content`, `base.html`'s root and `contract_detail.html`'s root). Here a template's root and each
block collect their output in a list (as Jinja already does inside macros and `{% set %}` blocks: one
`extend` per run of output) and yield it once, joined.

`{{ value }}` under autoescape is Jinja's `escape(value)`, markupsafe's: a `Markup` made for every
value only to be joined into the page at once. `escape_output` gives the same text for the common
cases without the `Markup` — a plain string through markupsafe's own escaping, an int as its digits, a
`Markup` as it is — and hands anything else to `escape` itself.

`_("…")`, `gettext("…")`, `pgettext("…", "…")` and `{% trans %}` with a constant text are translated when
the template is compiled, not at every render (some twenty calls each through Jinja's `Context.call`
and Django's catalogue). A compiled template is therefore one language's: the backend
(`kabinet.web.jinja.Jinja2`) keeps an environment, and so a template cache, per active language.
"""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
from django.utils import translation
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

# markupsafe's escaping of a plain str (its C speedup, or its Python fallback), the function `escape`
# itself calls for a str; `test_jinja_compiler` proves both give the same text.
_escape_inner = markupsafe._escape_inner  # type: ignore[attr-defined]


def escape_output(value: Any) -> str:
    """The text `markupsafe.escape(value)` gives, for joining into a page."""
    # type(), not __class__: a lazy object (Django's SimpleLazyObject, the CSP nonce) reports the class
    # of what it wraps.
    cls = type(value)
    if cls is str:
        return _escape_inner(value)  # type: ignore[no-any-return]
    if cls is int:
        return str(value)
    if cls is Markup:
        return value  # type: ignore[no-any-return]
    return escape(value)


class BufferedCodeGenerator(CodeGenerator):
    """Roots and blocks write into a list and yield it once; `{{ }}` escapes through `escape_output`."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._buffered_frames: set[int] = set()

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline("from kabinet.web.jinja_compiler import escape_output")
        super().visit_Template(node, frame)

    def enter_frame(self, frame: Frame) -> None:
        # The root's frame and each block's are made without a parent; macros', loops' and the rest's
        # are inner frames and inherit the buffer.
        if frame.parent is None and frame.buffer is None and (frame.rootlevel or frame.block_frame):
            self.buffer(frame)
            self._buffered_frames.add(id(frame))
        super().enter_frame(frame)

    def leave_frame(self, frame: Frame, with_python_scope: bool = False) -> None:
        super().leave_frame(frame, with_python_scope)
        if id(frame) in self._buffered_frames:
            self._buffered_frames.discard(id(frame))
            self.writeline(f"yield concat({frame.buffer})")

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        # Jinja writes an include without context as a bare `yield from`, which would put its output
        # ahead of the buffer's: refused rather than reordered (every include here takes the context).
        if not node.with_context and frame.buffer is not None:
            self.fail("an include without context is not supported in the client's templates", node.lineno)
        super().visit_Include(node, frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


class _ConstantTranslations(NodeTransformer):
    """`_("text")` → the text in the active language, when every argument is a constant string."""

    ARGUMENTS = {"_": 1, "gettext": 1, "pgettext": 2}

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)  # type: ignore[assignment]
        callee = node.node
        if not (
            isinstance(callee, nodes.Name)
            and callee.ctx == "load"
            and self.ARGUMENTS.get(callee.name) == len(node.args)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
            and all(isinstance(argument, nodes.Const) and isinstance(argument.value, str) for argument in node.args)
        ):
            return node
        values = [argument.value for argument in node.args]  # type: ignore[attr-defined]
        text = translation.pgettext(*values) if callee.name == "pgettext" else translation.gettext(values[0])
        return nodes.Const(str(text), lineno=node.lineno)


class PortalEnvironment(jinja2.Environment):
    """Jinja's environment with the portal's compiler: buffered output, constant translations."""

    code_generator_class = BufferedCodeGenerator

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _ConstantTranslations().visit(super()._parse(source, name, filename))  # type: ignore[no-any-return]
