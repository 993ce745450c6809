"""
# LaTeX to text, by pylatexenc

The converter behind [readable_math](readable_math.py): pylatexenc's, with
scripts, fractions and binomials that keep their grouping. Imported only for a
formula no earlier build read, so an edit build seldom loads pylatexenc.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexCharsNode
from pylatexenc.latexwalker import get_default_latex_context_db as default_parsing_context
from pylatexenc.macrospec import MacroSpec

from .readable_math import script

# What makes a fraction's part more than one term when it stands outside parentheses
_TERM_BREAKS = set(" +-−±∓/=<>≤≥≈,;·×∙∗*|:")
# A script mark on a single character inside a run of plain characters (`m_t`, `_1^t`)
_SINGLE_SCRIPT = re.compile(r"([_^])(\S)")


def _one_term(text: str) -> bool:
    """Whether `text` reads as one term next to `/` or a script mark: nothing outside parentheses breaks it."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in _TERM_BREAKS:
            return False
    return True


def _grouped(text: str) -> str:
    """`text` in parentheses unless it already reads as one term."""
    return text if _one_term(text) else f"({text})"


def _fraction(node, l2tobj) -> str:
    numerator, denominator = (l2tobj.node_arg_to_text(node, k).strip() for k in (0, 1))
    return f"{_grouped(numerator)}/{_grouped(denominator)}"


class _GroupingText(LatexNodes2Text):
    """pylatexenc's LaTeX-to-text, with scripts and fractions that keep their grouping."""

    def nodelist_to_text(self, nodelist) -> str:
        pieces: list[str] = []
        pending = ""  # a `_` or `^` that waits for the node after it as its argument
        for node in nodelist:
            text = self.node_to_text(node)
            if pending:
                pieces.append(script(pending, text))
                pending = ""
                continue
            if node.isNodeType(LatexCharsNode):
                stripped = text.rstrip()
                if stripped.endswith(("_", "^")):
                    text, pending = stripped[:-1], stripped[-1]
                text = _SINGLE_SCRIPT.sub(lambda match: script(match[1], match[2]), text)
            pieces.append(text)
        return "".join(pieces) + pending


def _binomial(node, l2tobj) -> str:
    top, bottom = (l2tobj.node_arg_to_text(node, k).strip() for k in (0, 1))
    return f"C({top}, {bottom})"


def _context():
    context = get_default_latex_context_db()
    fractions = [MacroTextSpec(name, simplify_repl=_fraction) for name in ("frac", "dfrac", "tfrac")]
    binomials = [MacroTextSpec(name, simplify_repl=_binomial) for name in ("binom", "dbinom", "tbinom")]
    norms = [MacroTextSpec(name, simplify_repl="‖") for name in ("|", "Vert", "lVert", "rVert")]
    context.add_context_category("grouped-fractions", macros=fractions + binomials + norms, prepend=True)
    return context


_CONVERTER = _GroupingText(latex_context=_context(), math_mode="verbatim", strict_latex_spaces=True)
# The macros the parser knows (and `\\binom`'s two arguments): the walker would build this table afresh for every formula
_PARSING = default_parsing_context()
_PARSING.add_context_category("binomials", macros=[MacroSpec(name, "{{") for name in ("binom", "dbinom", "tbinom")],
                              prepend=True)


def latex_to_text(tex: str) -> str:
    """pylatexenc's text of `tex` (math mode kept verbatim); raises what pylatexenc raises on broken TeX."""
    return _CONVERTER.latex_to_text(tex, latex_context=_PARSING)
