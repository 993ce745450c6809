"""
# Formulas as plain Unicode

The search index keeps the words of every section, formulas included, and a
result shows a snippet of them. LaTeX source there (`\\alpha \\, r_t \\frac{…}`)
reads badly, so each formula is turned into its Unicode approximation
(`α rₜ m̂ₜ/(√(v̂ₜ) + ϵ)`) by pylatexenc ([latex_text](latex_text.py)). In: a
formula's LaTeX; out: one line of text. The texts of earlier builds' formulas
come with them from the cache (`remember`).

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

SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθιφχ",
                        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᶥᵠᵡ"))
_SCRIPTS = {"_": SUBSCRIPTS, "^": SUPERSCRIPTS}
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


# Primes: pylatexenc reads `''` as a closing quotation mark (`f''(x)` read `f”(x)`)
_PRIMES = re.compile(r"'+")
_PRIME_MARKS = {1: "′", 2: "″", 3: "‴"}


# The texts of formulas earlier builds read (`remember`): an edit build then needs no pylatexenc
_remembered: dict[str, str] = {}


def remember(texts: dict[str, str]) -> None:
    """Take in what `readable` gave earlier builds (by formula), in the build's process before workers fork."""
    _remembered.update(texts)


@lru_cache(maxsize=8192)  # a formula recurs on its page and in every language
def readable(tex: str) -> str:
    """`tex` as Unicode text on one line; the TeX itself if it cannot be parsed."""
    known = _remembered.get(tex)
    if known is not None:
        return known
    from .latex_text import latex_to_text  # pylatexenc: ~6 ms to import, for a formula no earlier build read

    flat = _ROW_BREAK.sub(";", _ENVIRONMENT.sub(" ", tex)).replace("&", " ")
    flat = _PRIMES.sub(lambda m: _PRIME_MARKS.get(len(m[0]), "′" * len(m[0])), flat)
    try:
        text = latex_to_text(flat)
    except Exception:  # noqa: BLE001 - pylatexenc raises assorted errors on broken TeX; the source is still text
        text = tex
    return _SPACES.sub(" ", text).strip(" ;")
