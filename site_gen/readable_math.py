"""
# Formulas as plain Unicode

The search index keeps the words of every section, formulas included, and a
result shows a snippet of them. LaTeX source there (`\\alpha \\, r_t \\frac{…}`)
reads badly, so each formula is turned into its Unicode approximation
(`α rₜ m̂ₜ/(√(v̂ₜ) + ϵ)`) by pylatexenc. In: a formula's LaTeX; out: one line of
text.

The text must keep the formula's grouping, which pylatexenc drops with the
braces (`s_{t-1}` would read `s_t-1`). So a sub- or superscript becomes Unicode
sub/superscript characters when every character has one (`β₂ᵗ⁻¹`), else `_x` for
a single character and `_(t−1)` for more; a fraction's numerator or denominator
is put in parentheses when it is more than one term (`mₜ/(1-β₁ᵗ)`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexCharsNode
from pylatexenc.macrospec import MacroSpec
from pylatexenc.latexwalker import get_default_latex_context_db as default_parsing_context

SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθιφχ",
                        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᶥᵠᵡ"))
_SCRIPTS = {"_": SUBSCRIPTS, "^": SUPERSCRIPTS}
# What makes a fraction's part more than one term when it stands outside parentheses
_TERM_BREAKS = set(" +-−±∓/=<>≤≥≈,;·×∙∗*|:")
# A script mark on a single character inside a run of plain characters (`m_t`, `_1^t`)
_SINGLE_SCRIPT = re.compile(r"([_^])(\S)")
# Layout that has no plain-text meaning: environments, alignment marks, line breaks
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]+\}(?:\{[^{}]*\})?")
_ROW_BREAK = re.compile(r"\\\\(?:\[[^\]]*\])?")
_SPACES = re.compile(r"\s+")


def _atoms(text: str) -> list[str]:
    """`text` cut into characters, each with the combining marks (hats, bars) that follow it."""
    atoms: list[str] = []
    for char in text:
        if atoms and unicodedata.combining(char):
            atoms[-1] += char
        else:
            atoms.append(char)
    return atoms


def _parenthesised(text: str) -> bool:
    """Whether `text` is one pair of parentheses around everything in it."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return True


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


def script(mark: str, text: str) -> str:
    """`text` as a subscript (`mark` `_`) or superscript (`^`) that keeps its extent."""
    text = text.strip()
    table = _SCRIPTS[mark]
    if not text:
        return ""
    if all(char in table for char in text):
        return "".join(table[char] for char in text)
    if len(_atoms(text)) == 1 or _parenthesised(text):
        return mark + text
    return f"{mark}({text})"


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


# Primes: pylatexenc reads `''` as a closing quotation mark (`f''(x)` read `f”(x)`)
_PRIMES = re.compile(r"'+")
_PRIME_MARKS = {1: "′", 2: "″", 3: "‴"}


_CONVERTER = _GroupingText(latex_context=_context(), math_mode="verbatim", strict_latex_spaces=True)
# The macros the parser knows (and `\\binom`'s two arguments): the walker would build this table afresh for every formula
_PARSING = default_parsing_context()
_PARSING.add_context_category("binomials", macros=[MacroSpec(name, "{{") for name in ("binom", "dbinom", "tbinom")],
                              prepend=True)


@lru_cache(maxsize=8192)  # a formula recurs on its page and in every language
def readable(tex: str) -> str:
    """`tex` as Unicode text on one line; the TeX itself if it cannot be parsed."""
    flat = _ROW_BREAK.sub(";", _ENVIRONMENT.sub(" ", tex)).replace("&", " ")
    flat = _PRIMES.sub(lambda m: _PRIME_MARKS.get(len(m[0]), "′" * len(m[0])), flat)
    try:
        text = _CONVERTER.latex_to_text(flat, latex_context=_PARSING)
    except Exception:  # noqa: BLE001 - pylatexenc raises assorted errors on broken TeX; the source is still text
        text = tex
    return _SPACES.sub(" ", text).strip(" ;")
