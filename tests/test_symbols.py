"""Symbol marking: what counts as a symbol, stable identities, and no trust for untrusted input."""

from __future__ import annotations

import re

import pytest

from site_gen.math import KatexRenderer
from site_gen.symbols import is_markable, mark_symbols, symbol_id


def ids(tex: str) -> list[str]:
    return re.findall(r"\\htmlData\{sym=(\w+)\}", mark_symbols(tex))


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
    assert mark_symbols("g_t^2") == r"\htmlData{sym=%s}{g_t^2}" % symbol_id("g_t")


@pytest.mark.parametrize("tex", [r"\href{javascript:alert(1)}{x}", r"\htmlClass{evil}{x}", r"\def\a{\href}\a{x}{y}",
                                 r"\includegraphics{x.png}", r"\url{http://example.org}"])
def test_formulas_with_trust_commands_are_not_marked_nor_trusted(tex: str) -> None:
    assert not is_markable(tex)
    html = KatexRenderer()(tex, False).html
    assert "<a " not in html and "<img" not in html and "data-sym" not in html and 'class="evil"' not in html


def test_rendered_symbols_carry_their_identity_and_the_mathml_the_source() -> None:
    html = KatexRenderer()(r"\hat{m}_t + \hat{m}_t", True).html
    assert html.count(f'data-sym="{symbol_id(chr(92) + "hat{m}_t")}"') == 2
    assert '<annotation encoding="application/x-tex">\\hat{m}_t + \\hat{m}_t</annotation>' in html
    assert "htmlData" not in html
