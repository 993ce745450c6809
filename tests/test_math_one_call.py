"""
A formula's MathML on the page is KaTeX's MathML of the formula as written,
plus symbol marks and nothing else: taking the marks (`<mstyle data-sym>`)
out of the page's MathML gives the render of the unmarked formula, for any
formula KaTeX accepts. Most formulas take one KaTeX call (the marked formula,
its annotation set back to the formula as written); where a mark could change
the MathML (a script after a marked symbol, `\\mathbin{x}`, …) the unmarked
formula is rendered too. Every error reads as the formula as written gives it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen import katex_process, math as site_math
from site_gen.math import KatexRenderer, without_marks

_LEAVES = st.sampled_from([
    "x", "m", "t", "W", r"\theta", r"\beta", r"\epsilon", "1", "2", "+", "-", "=", ",", r"\cdot", r"\leftarrow",
    r"\hat{m}", r"\hat m", r"\bar{x}", r"\mathbf{x}", r"\mathbb{E}", r"\vec{v}", r"\hat{\mathbf{x}}", r"\nabla",
    r"\sum", r"\prod", r"\infty", r"\text{if }", r"\operatorname{sign}", r"\operatorname*{argmax}", r"\mathrm{d}",
    r"\limits", "'", "²", "ₜ", r"\not", r"\prime", " ", "&", r"\\", r"\quad", r"\ldots", "(", ")", "|", r"\|",
    r"\log", r"\lVert", r"\rVert", r"\widehat{xy}",
])
_WRAPPERS = [
    "{%s}", "%s_t", "%s^2", "%s_{t-1}", "%s^{max}", "%s_%s", "%s^%s", "%s'", r"\frac{%s}{%s}", r"\sqrt{%s}",
    r"\mathbin{%s}", r"\mathrel{%s}", r"\mathop{%s}", r"\mathord{%s}", r"\overset{%s}{%s}", r"\underset{%s}{%s}",
    r"\stackrel{%s}{%s}", r"\boldsymbol{%s}", r"\left(%s\right)", r"\hat{%s}", r"\tilde{%s}", r"\mathbf{%s}",
    r"\operatorname{%s}", r"\text{%s}", r"\underbrace{%s}_{%s}", r"\overline{%s}", r"\color{red}{%s}",
    r"\begin{matrix}%s & %s\end{matrix}", r"\begin{align}%s &= %s\end{align}", r"\tag{%s}", r"\verb|%s|",
    r"\begin{cases}%s & %s\end{cases}", r"\begin{array}{lr}%s & %s\end{array}", r"\textcolor{blue}{%s}",
]
_MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _formulas():
    def wrap(children):
        return st.tuples(st.sampled_from(_WRAPPERS), st.lists(children, min_size=2, max_size=2)).map(
            lambda pair: pair[0] % tuple(pair[1][: pair[0].count("%s")]))

    return st.lists(st.recursive(_LEAVES, lambda children: wrap(children) | st.lists(children, max_size=3).map("".join),
                                 max_leaves=8), min_size=1, max_size=5).map("".join)


def _unmarked(html: str) -> str:
    """The MathML of a rendered formula with every mark element replaced by its children (read as XML)."""
    math = html[html.index("<math") : html.rindex("</math>") + len("</math>")]
    root = ET.fromstring(math.replace("<math", f'<math xmlns="{_MATHML[1:-1]}"', 1))
    for parent in root.iter():
        for index, child in reversed(list(enumerate(parent))):
            if child.tag == f"{_MATHML}mstyle" and "data-sym" in child.attrib:
                assert not child.text and not child.tail, "a mark holds elements only"
                parent[index : index + 1] = list(child)
    return ET.canonicalize(ET.tostring(root, encoding="unicode"))


def _as_written(tex: str, display: bool, counted: bool = False) -> tuple[str | None, str | None]:
    """The formula's own render (no marks) and KaTeX's message for it, through the renderer's own KaTeX call."""
    try:
        return site_math._render(tex, display, counted), None
    except katex_process.KatexError as error:
        return None, str(error).removeprefix("KaTeX parse error: ")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_formulas(), st.booleans())
def test_the_page_shows_the_formula_as_written_plus_marks(tex: str, display: bool) -> None:
    rendered = KatexRenderer(number_all=True)(tex, display)
    plain, message = _as_written(tex, display, counted=True)
    assert rendered.error == message
    if plain is not None:
        assert _unmarked(rendered.html) == _unmarked(plain)
        assert without_marks(rendered.html) == plain


@pytest.mark.parametrize("tex", [
    r"x_t'", r"x_a_b", r"x^a^b", r"\hat{x}_t^2'", r"x_t^{2}_{3}", r"\theta_{t-1}'_2", r"\nabla_\hat x", r"\nabla_x^2",
    r"\mathbin{x}", r"\mathop{\mathbb{E}}_x", r"\operatorname*{argmax}_\theta", r"x_t²", r"\verb|x|", r"\not x",
])
def test_marks_that_could_change_the_mathml_are_checked_against_the_formula_as_written(tex: str) -> None:
    rendered = KatexRenderer()(tex, False)
    plain, _ = _as_written(tex, False)
    if plain is not None:
        assert _unmarked(rendered.html) == _unmarked(plain)


@pytest.mark.parametrize("tex", [
    r"m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t", r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}",
    r"\theta_t \leftarrow \theta_{t-1} - \alpha \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}",
    r"\nabla_\theta f(\theta)", r"\mathbf{W}^T x + y", r"\begin{aligned}a &= b \\ c &= d\end{aligned}",
])
@pytest.mark.parametrize("display", [False, True])
def test_everyday_formulas_take_one_call_and_are_marked(tex: str, display: bool, monkeypatch) -> None:
    calls = []
    render = katex_process.render
    monkeypatch.setattr(katex_process, "render", lambda *args, **options: calls.append(args) or render(*args, **options))
    html = KatexRenderer()(tex, display).html
    assert len(calls) == 1
    assert "data-sym" in html and "mathcolor" not in html
    assert site_math.latex_of(html) == tex


@pytest.mark.parametrize("tex", [r"x_a_b", r"\frac{x}", r"x^'", r"\hat", r"\mathbin{x}_a_b"])
def test_errors_read_as_the_formula_as_written_gives_them(tex: str) -> None:
    rendered = KatexRenderer()(tex, False)
    assert rendered.error is not None and rendered.error == _as_written(tex, False)[1]
    assert "\\textcolor" not in rendered.error and "\\textcolor" not in rendered.html
