r"""
# Sphinx cross-references in Markdown

Docstrings written for Sphinx name code with roles: ``:class:`~torch.optim.Optimizer` ``,
``:meth:`step` ``, ``:func:`Adam <adam.Adam>` ``. Read as Markdown they show the
role's name before a code span, ``:class:`Optimizer` ``. This extension shows them as
Sphinx does, as the code they name:

* `~a.b.C` shows its last part, `C`; `title <target>` shows `title`; `!target`
  shows `target`;
* functions and methods get `()` (Sphinx's default), so that ``:func:`step` `` reads
  `step()`;
* a backslash right after the role (``:class:`Tensor`\s``, reST for "Tensors")
  joins the next word to it.

In: Markdown. Out: a `<code>` element, which the page links to the definition it
names (as it does every inline code span). Only the Python domain's roles are
read; `:math:` is a formula (see [the grammar](grammar.py)) and any other role
(`:ref:`, `:term:`) stays as written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# The Python domain's cross-reference roles, with or without the `py:` domain
CODE_ROLES = {"mod", "func", "data", "const", "class", "meth", "attr", "exc", "obj", "type"}
CALLABLE_ROLES = {"func", "meth"}

ROLE_RE = (r"(?<![\w`:]):(?:py:)?(?P<role>" + "|".join(sorted(CODE_ROLES))
           + r"):`(?P<text>[^`\n]+)`(?P<join>\\(?=\w))?")
_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


def shown_text(role: str, text: str) -> str:
    """What Sphinx shows for a role's text: its title, or the target shortened as `~` and `!` ask."""
    titled = _TITLED.match(text)
    if titled:
        return titled.group("title")
    text = text.removeprefix("!")
    if text.startswith("~"):
        text = text[1:].rsplit(".", 1)[-1]
    if role in CALLABLE_ROLES and not text.endswith(")"):
        text += "()"
    return text


def roles_as_code_spans(text: str) -> str:
    """Each role written as the code span Sphinx would show: `` :meth:`~a.step` `` becomes `` `step()` ``."""
    return re.sub(ROLE_RE, lambda m: f"`{shown_text(m.group('role'), m.group('text'))}`", text)


class _RoleInlineProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # noqa: N802 - Markdown's API
        code = etree.Element("code")
        code.text = markdown.util.AtomicString(shown_text(m.group("role"), m.group("text")))
        return code, m.start(0), m.end(0)


class SphinxRolesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # Before code spans (190), which would otherwise take the role's backticks first
        md.inlinePatterns.register(_RoleInlineProcessor(ROLE_RE, md), "sphinx_roles", 195)
