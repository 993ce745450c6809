"""
# Formulas as plain Unicode

The search index keeps the words of every section, formulas included, and a
result shows a snippet of them. LaTeX source there (`\\alpha \\, r_t \\frac{…}`)
reads badly, so each formula is turned into its Unicode approximation
(`α r_t m̂_t/√(v̂_t) + ϵ`) by pylatexenc. In: a formula's LaTeX; out: one line of
text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

_CONVERTER = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
# Layout that has no plain-text meaning: environments, alignment marks, line breaks
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]+\}(?:\{[^{}]*\})?")
_ROW_BREAK = re.compile(r"\\\\(?:\[[^\]]*\])?")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # a formula recurs on its page and in every language
def readable(tex: str) -> str:
    """`tex` as Unicode text on one line; the TeX itself if it cannot be parsed."""
    flat = _ROW_BREAK.sub(";", _ENVIRONMENT.sub(" ", tex)).replace("&", " ")
    try:
        text = _CONVERTER.latex_to_text(flat)
    except Exception:  # noqa: BLE001 - pylatexenc raises assorted errors on broken TeX; the source is still text
        text = tex
    return _SPACES.sub(" ", text).strip(" ;")
