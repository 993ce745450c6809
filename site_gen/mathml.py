"""
# KaTeX's MathML, as browsers draw it

KaTeX writes MathML for any MathML reader; browsers draw MathML Core, which
follows the attributes and the operator dictionary literally. Two things that
KaTeX leaves to TeX's rules would read worse than KaTeX's own drawing:

* An accent over a letter (`\\hat{m}`, `\\tilde{x}`) is an `<mo>` that the
  operator dictionary makes stretchy, so the browser widens it over the whole
  base like `\\widehat`. Accents KaTeX means to be narrow (it marks the wide
  ones `stretchy="true"`) get `stretchy="false"`, and `^`/`~` their
  modifier-letter forms, which the math font draws as accents.
* A name like `\\operatorname{sign}` or `\\log` is an `<mi>` followed by the
  invisible function application; TeX puts a thin space between it and an
  ordinary neighbour (`\\alpha \\operatorname{sign} x`), MathML nothing. The
  space goes where TeX puts it: before the name after anything but an
  operator, after it before anything but an operator or a fence.
* Operators in a script (`m_{t-1}`) get the spaces of the operator
  dictionary, as wide as in the main line; TeX leaves binary and relation
  spaces out of scripts (its "script style"). Operators in a script, limit or
  root index get `lspace="0" rspace="0"`.

* A wide accent (`\\widehat{xy}`) stretches only if its character has wide
  forms in the font: `^` and `~` become the combining circumflex and tilde.
* Chromium draws only `mathvariant="normal"`: `\\mathbb{E}`, `\\mathcal{L}`,
  `\\mathbf{W}` would be plain letters. Their letters become the Unicode
  mathematical alphanumeric characters (𝔼, ℒ, 𝐖), as MathML Core asks.
* Chromium ignores `columnalign` on a table: each cell gets the alignment of
  its column (`mtd columnalign`), which the stylesheet applies (number cells excepted).
* `\\lVert x \\rVert` is a pair of non-stretching `<mo>` bars between
  others, which the operator dictionary spaces as relations: they get no
  spaces, as KaTeX draws them.

* A sign that starts a term (`-1`, `f(-x)`, `\\theta = -1`, `[-1, 1]`) is an `<mo>`
  like any subtraction, and the operator dictionary spaces it as one ("= − 1").
  TeX's rule says when a sign is binary: after an ordinary atom or a closing
  fence. After the start of a row or after any other operator it is a sign
  of what follows, and gets no space.
* A fence written with `\\left`, `\\bigl` or `\\binom` (`<mo fence="true">`) is
  spaced by the dictionary as its character, so `\\left\\| x \\right\\|_2`
  spread like relations ("‖ x ‖ ₂"): fences get no space.

* `<menclose>` (`\\boxed`, `\\fbox`, `\\cancel`, `\\bcancel`, `\\xcancel`, `\\sout`)
  is not MathML Core: Chromium draws its content bare, so a box or a strike
  vanished without a word. It becomes an `<mrow data-enclose="…">` that the
  stylesheet draws, the same in every browser.

In: one formula's MathML from KaTeX. Out: the same MathML with those
changes; the elements, their order and the annotation are otherwise untouched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# What KaTeX puts as a narrow accent's `<mo>`, and the character the math font draws as that accent
# (`\\vec`'s combining arrow has no width of its own to centre: a small arrow does)
_ACCENTS = {"^": "ˆ", "~": "˜", "ˉ": "ˉ", "˙": "˙", "¨": "¨", "ˇ": "ˇ", "˘": "˘", "ˊ": "ˊ", "ˋ": "ˋ", "˚": "˚",
            "⃗": '<mo stretchy="false" mathsize="70%">→</mo>'}
_NARROW_ACCENT = re.compile("<mo>([" + re.escape("".join(_ACCENTS)) + "])</mo></mover>")
# Elements whose children after the first are scripts (a root's second child is its index)
_SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mroot"}
_STACKED = {"mover", "munder", "munderover"}
_TAG = re.compile(r"<(/?)([a-z]+)([^>]*?)(/?)>")


# A function name after a sibling that is not an operator (`</mo>`) nor the row's start (an opening tag)
_NAME_AFTER_ORDINARY = re.compile(r'(</m(?!o>)[a-z]+>)(<mi(?: mathvariant="normal")?>[^<]{2,}</mi><mo>\u2061</mo>)')
# The function application before a sibling that is not an operator or fence
_APPLIED_TO_ORDINARY = re.compile(r'<mo>\u2061</mo>(?=<m(?!o[ >]))')
_THIN = "0.1667em"
_WIDE_ACCENT = re.compile(r'<mo stretchy="true">([\^~])</mo></mover>')
_COMBINING = {"^": "\u0302", "~": "\u0303"}
_BAR = re.compile(r'<mo stretchy="false">([∥∣|])</mo>')
# A sign after the start of a row or an operator that is not a closing fence (TeX's Ord, not Bin)
_SIGN = re.compile(r'(<m(?!o[ >]|i[ >]|n[ >]|text[ >])[a-z]+(?: [^>]*)?>|<mo(?: [^>]*)?>(?![)\]}⟩⌋⌉|‖∥!′″])[^<]*</mo>)'
                   r'<mo>([+−±∓])</mo>')
_FENCE = re.compile(r'<mo fence="true"((?:(?! [lr]space=)[^>])*)>')
_VARIANT = re.compile(r'<(mi|mn) mathvariant="([a-z-]+)">([^<]+)</\1>')
# MathML's variants as Unicode names them
_VARIANT_NAMES = {
    "bold": "BOLD", "italic": "ITALIC", "bold-italic": "BOLD ITALIC", "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT", "bold-script": "BOLD SCRIPT", "fraktur": "FRAKTUR", "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF", "bold-sans-serif": "SANS-SERIF BOLD", "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC", "monospace": "MONOSPACE",
}
_CELL_TAG = re.compile(r"<(/?)(mtable|mtr|mtd)\b([^>]*)>")
_COLUMNALIGN = re.compile(r'columnalign="([a-z ]+)"')


def for_browsers(mathml: str) -> str:
    mathml = _NARROW_ACCENT.sub(_narrow_accent, mathml)
    mathml = _NAME_AFTER_ORDINARY.sub(rf'\1<mspace width="{_THIN}"></mspace>\2', mathml)
    mathml = _APPLIED_TO_ORDINARY.sub(f'<mo rspace="{_THIN}">\u2061</mo>', mathml)
    mathml = _WIDE_ACCENT.sub(lambda m: f'<mo stretchy="true">{_COMBINING[m.group(1)]}</mo></mover>', mathml)
    mathml = _BAR.sub(r'<mo stretchy="false" lspace="0" rspace="0">\1</mo>', mathml)
    mathml = _SIGN.sub(r'\1<mo lspace="0" rspace="0">\2</mo>', mathml)
    mathml = _FENCE.sub(r'<mo fence="true"\1 lspace="0" rspace="0">', mathml)
    mathml = _VARIANT.sub(_in_variant, mathml)
    mathml = _enclosed(mathml)
    mathml = _aligned_cells(mathml)
    return _tight_scripts(mathml)


def _enclosed(mathml: str) -> str:
    """Every `<menclose notation>` as an `<mrow data-enclose>` (inner ones first: the pattern finds the innermost)."""
    while "<menclose" in mathml:
        changed = re.sub(r'<menclose notation="([a-z ]+)">((?:(?!<menclose).)*?)</menclose>',
                         r'<mrow data-enclose="\1">\2</mrow>', mathml, flags=re.S)
        if changed == mathml:
            break
        mathml = changed
    return mathml


def _narrow_accent(match: re.Match[str]) -> str:
    accent = _ACCENTS[match.group(1)]
    return (accent if accent.startswith("<") else f'<mo stretchy="false">{accent}</mo>') + "</mover>"


def _tight_scripts(mathml: str) -> str:
    """Every `<mo>` inside a script (at any depth) without a space of its own (`lspace`, `rspace`) gets none."""
    out: list[str] = []
    # For each open element: is it a script, or inside one; and how many children it has had
    open_elements: list[list] = []
    at = 0
    for tag in _TAG.finditer(mathml):
        closing, name, attributes, empty = tag.groups()
        if closing:
            if open_elements:
                open_elements.pop()
            continue
        in_script = stacked = False
        if open_elements:
            parent = open_elements[-1]
            in_script = parent[1] or (parent[0] in _SCRIPTED and parent[2] >= 1)
            stacked = parent[0] in _STACKED  # an accent, brace or limit sign: its spaces show nowhere
            parent[2] += 1
        if in_script and not stacked and name == "mo" and "space=" not in attributes and not empty:
            out.append(mathml[at : tag.start()])
            out.append(f'<mo{attributes} lspace="0" rspace="0">')
            at = tag.end()
        if not empty:
            open_elements.append([name, in_script, 0])
    out.append(mathml[at:])
    return "".join(out)


def _in_variant(match: re.Match[str]) -> str:
    """`<mi mathvariant="bold">W</mi>` as `<mi>𝐖</mi>`; unchanged if a character has no such form."""
    tag, variant, text = match.groups()
    name = _VARIANT_NAMES.get(variant)
    letters = [_variant_letter(name, c) for c in text] if name else [None]
    if None in letters:
        return match.group(0)
    return f"<{tag}>{''.join(letters)}</{tag}>"  # type: ignore[arg-type]


@lru_cache(maxsize=1024)
def _variant_letter(variant: str, character: str) -> str | None:
    """The mathematical alphanumeric form of a Latin or Greek letter or a digit, by its Unicode name."""
    name = unicodedata.name(character, "")
    for prefix in ("LATIN ", "GREEK "):
        name = name.removeprefix(prefix)
    name = name.replace(" LETTER ", " ")
    # The forms Unicode had before the math alphabets keep their old names (ℝ, ℒ, ℌ, ℎ)
    candidates = [f"MATHEMATICAL {variant} {name}", f"{variant} {name}"]
    if variant == "FRAKTUR":
        candidates.append(f"BLACK-LETTER {name}")
    if (variant, name) == ("ITALIC", "SMALL H"):
        candidates.append("PLANCK CONSTANT")
    for candidate in candidates:
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return None


def _aligned_cells(mathml: str) -> str:
    """Each table cell with the alignment its table's `columnalign` gives its column (KaTeX's glue cells skipped)."""
    out: list[str] = []
    tables: list[list] = []  # for each open table: its columns' alignments, and the next column
    at = 0
    for tag in _CELL_TAG.finditer(mathml):
        closing, name, attributes = tag.groups()
        if name == "mtable":
            if closing and tables:
                tables.pop()
            elif not closing:
                found = _COLUMNALIGN.search(attributes)
                tables.append([found.group(1).split() if found else [], 0])
        elif name == "mtr" and not closing and tables:
            tables[-1][1] = 0
        elif name == "mtd" and not closing and tables and "mtr-glue" not in attributes and "eqn-" not in attributes:
            aligns, column = tables[-1]
            tables[-1][1] += 1
            align = aligns[min(column, len(aligns) - 1)] if aligns else "center"
            if align != "center" and "columnalign" not in attributes:
                out.append(mathml[at : tag.start()])
                out.append(f'<mtd{attributes} columnalign="{align}">')
                at = tag.end()
    out.append(mathml[at:])
    return "".join(out)
