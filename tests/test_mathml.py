"""MathML as browsers draw it (site_gen/mathml.py): spacing that MathML Core would get wrong."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.math import KatexRenderer

_RENDERER = KatexRenderer()
SIGNS = {"-": "−", "+": "+", r"\pm": "±"}


def _operators(tex: str) -> list[ET.Element]:
    html = _RENDERER(tex, False).html
    math = html[html.index("<math") : html.index("</math>") + len("</math>")]
    return [e for e in ET.fromstring(math).iter("mo")]


@st.composite
def terms(draw, depth: int = 0) -> tuple[str, list[bool]]:
    """A term, maybe signed, maybe in parentheses; and for each sign in it, whether TeX makes it binary."""
    signed = draw(st.booleans())
    parts, kinds = ([draw(st.sampled_from(sorted(SIGNS)))], [False]) if signed else ([], [])
    if depth < 2 and draw(st.booleans()):
        inner, inner_kinds = draw(expressions(depth + 1))
        parts += ["(", inner, ")"]
        kinds += inner_kinds
    else:
        parts.append(draw(st.sampled_from(["a", "x_t", "1", r"\alpha", r"\hat{m}_t"])))
    return " ".join(parts), kinds


@st.composite
def expressions(draw, depth: int = 0) -> tuple[str, list[bool]]:
    """Terms joined by relations (`=`, `\\leftarrow`, `,`) or binary signs."""
    text, kinds = draw(terms(depth))
    for _ in range(draw(st.integers(0, 3))):
        joint = draw(st.sampled_from(["=", r"\leftarrow", ",", *sorted(SIGNS)]))
        term, term_kinds = draw(terms(depth))
        text, kinds = f"{text} {joint} {term}", kinds + ([True] if joint in SIGNS else []) + term_kinds
    return text, kinds


@settings(max_examples=60)
@given(expressions())
def test_a_sign_is_spaced_only_where_tex_makes_it_binary(case) -> None:
    """TeX: a sign is binary after an ordinary atom or a closing fence; a sign of what follows anywhere else."""
    tex, binary = case
    signs = [mo for mo in _operators(tex) if mo.text in SIGNS.values()]
    assert len(signs) == len(binary), tex
    for mo, is_binary in zip(signs, binary):
        unspaced = mo.get("lspace") == "0" and mo.get("rspace") == "0"
        assert unspaced != is_binary, (tex, ET.tostring(mo, encoding="unicode"))


def test_fences_written_with_left_right_big_or_binom_take_no_space() -> None:
    for tex in (r"\left\| x \right\|_2", r"\left| x \right|", r"\bigl( x \bigr)", r"\binom{n}{k}", r"\left\lVert x \right\rVert"):
        fences = [mo for mo in _operators(tex) if mo.get("fence") == "true"]
        assert len(fences) == 2, tex
        assert all(mo.get("lspace") == "0" and mo.get("rspace") == "0" for mo in fences), tex
