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

In: one formula's MathML from KaTeX. Out: the same MathML with those
attributes; the elements, their order and their text (the annotation too) are
otherwise untouched.
"""

from __future__ import annotations

import re

# What KaTeX puts as a narrow accent's `<mo>`, and the character the math font draws as that accent
_ACCENTS = {"^": "ˆ", "~": "˜", "ˉ": "ˉ", "˙": "˙", "¨": "¨", "ˇ": "ˇ", "˘": "˘", "ˊ": "ˊ", "ˋ": "ˋ", "˚": "˚",
            "⃗": "⃗"}
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


def for_browsers(mathml: str) -> str:
    mathml = _NARROW_ACCENT.sub(lambda m: f'<mo stretchy="false">{_ACCENTS[m.group(1)]}</mo></mover>', mathml)
    mathml = _NAME_AFTER_ORDINARY.sub(rf'\1<mspace width="{_THIN}"></mspace>\2', mathml)
    mathml = _APPLIED_TO_ORDINARY.sub(f'<mo rspace="{_THIN}">\u2061</mo>', mathml)
    return _tight_scripts(mathml)


def _tight_scripts(mathml: str) -> str:
    """Every `<mo>` inside a script (at any depth) without spaces of its own gets none."""
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
        if in_script and not stacked and name == "mo" and "lspace" not in attributes and not empty:
            out.append(mathml[at : tag.start()])
            out.append(f'<mo{attributes} lspace="0" rspace="0">')
            at = tag.end()
        if not empty:
            open_elements.append([name, in_script, 0])
    out.append(mathml[at:])
    return "".join(out)
