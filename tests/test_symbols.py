"""Symbol marking: what counts as a symbol, stable identities, and no author colour taken for a mark."""

from __future__ import annotations

import multiprocessing
import re

import pytest
from hypothesis import given, settings, strategies as st

from site_gen.math import KatexRenderer
from site_gen.symbols import is_markable, mark_symbols, symbol_id


def ids(tex: str) -> list[str]:
    return re.findall(r"\\textcolor\{#([0-9a-f]{6})\}", mark_symbols(tex))


@pytest.mark.parametrize(
    ("tex", "symbols"),
    [
        (r"\hat{m}_t", [r"\hat{m}_t"]),
        (r"m_t \leftarrow \beta_1 m_{t-1}", ["m_t", r"\beta_1", "m_{t-1}"]),
        (r"g_t^2", ["g_t"]),  # a power is not part of the symbol
        (r"\beta_1^t", [r"\beta_1"]),
        (r"v^{max}_t", ["v^{max}_t"]),  # a naming superscript is
        (r"\frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}", [r"\hat{m}_t", r"\hat{v}_t", r"\epsilon"]),
        (r"\operatorname{sign}(c_t)", ["c_t"]),
        (r"\text{if } x > 5", ["x"]),
        (r"10^{-8}", []),
    ],
)
def test_symbols_and_their_identities(tex: str, symbols: list[str]) -> None:
    assert ids(tex) == [symbol_id(s) for s in symbols]


def test_the_same_symbol_written_differently_is_the_same_symbol() -> None:
    assert ids(r"m_{t}") == ids(r"m_t") == ids(r"m _ t")
    assert ids(r"\hat{m}_t") != ids(r"m_t")


def test_marking_keeps_stacked_scripts_together() -> None:
    assert mark_symbols("g_t^2") == r"\textcolor{#%s}{g_t^2}" % symbol_id("g_t")


@pytest.mark.parametrize("tex", [r"\href{javascript:alert(1)}{x}", r"\htmlClass{evil}{x}", r"\def\a{\href}\a{x}{y}",
                                 r"\includegraphics{x.png}", r"\url{http://example.org}"])
def test_formulas_with_trust_commands_are_not_marked_nor_trusted(tex: str) -> None:
    assert not is_markable(tex)
    html = KatexRenderer()(tex, False).html
    assert "<a " not in html and "<img" not in html and "data-sym" not in html and 'class="evil"' not in html


def test_rendered_symbols_carry_their_identity_and_the_mathml_the_source() -> None:
    html = KatexRenderer()(r"\hat{m}_t + \hat{m}_t", True).html
    assert html.count(f'<mstyle data-sym="{symbol_id(chr(92) + "hat{m}_t")}">') == 2
    assert '<annotation encoding="application/x-tex">\\hat{m}_t + \\hat{m}_t</annotation>' in html
    assert "textcolor" not in html and "mathcolor" not in html  # the mark's colour is gone


@pytest.mark.parametrize("tex", [r"\color{red} x_t", r"\textcolor{#%s}{m}_t + m_t" % symbol_id("m_t"),
                                 r"\colorbox{yellow}{$y$} + y", r"\fcolorbox{red}{blue}{z} + z"])
def test_formulas_that_set_colours_are_not_marked(tex: str) -> None:
    """An author's colour, even one spelled like a mark, stays a colour and marks nothing."""
    assert not is_markable(tex)
    html = KatexRenderer()(tex, False).html
    assert "data-sym" not in html
    if "textcolor{#" in tex:
        assert f'mathcolor="#{symbol_id("m_t")}"' in html


# Pieces KaTeX accepts alone, among them commands whose arguments are colours, sizes or
# column specs: marking a letter there would make KaTeX reject the formula
_VALID_PIECES = [
    "x_t", r"\hat{m}_t", r"\beta_1^t", "+", r"\textcolor{blue}{y}", r"\color{red}", r"\hspace{1em}", r"\kern3mu",
    r"\mkern-2mu", r"\rule{1pt}{2em}", r"\fcolorbox{red}{blue}{z}", r"\colorbox{yellow}{w}", r"\raisebox{0.25em}{v}",
    r"\begin{array}{lc} a & b \\[2pt] c & d \end{array}", r"\begin{alignedat}{2} p &= q \end{alignedat}",
    r"\begin{pmatrix*}[r] a & -b \end{pmatrix*}", r"\text{step}", r"\operatorname{clip}(g)",
]


def _marked_errors(formulas: list[str]) -> list[tuple[str, str]]:
    """In a child process (a KaTeX error can leave pykatex's engine damaged): the formulas KaTeX rejects once marked."""
    import pykatex
    failed = []
    for tex in formulas:
        try:
            pykatex.renderToString(mark_symbols(tex), displayMode=True, output="mathml", throwOnError=True)
        except Exception as error:  # noqa: BLE001 - pykatex raises its own ParseError for every kind
            failed.append((tex, str(error)))
    return failed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_VALID_PIECES), min_size=1, max_size=6).map(" ".join), min_size=1, max_size=20))
def test_marking_never_makes_a_valid_formula_invalid(formulas: list[str]) -> None:
    with multiprocessing.get_context("fork").Pool(1) as child:
        assert child.apply(_marked_errors, (formulas,)) == []
