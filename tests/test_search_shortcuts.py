"""
Shortcuts over formula HTML give exactly what parsing it all gives: search
text read from a formula's annotation (`latex_of`) rather than its MathML, and
`element_ids` skipping HTML where no attribute can be named `id`.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.math import KatexRenderer, latex_of
from site_gen.prose import _Ids, element_ids
from site_gen.search_text import plain_text

_TOKEN = "\ue000trusted:0\ue001"  # how prose leaves a formula in the search HTML
_RENDER = KatexRenderer()

_atoms = st.sampled_from([r"\theta", "m", r"\hat{v}", r"\beta_1", "x^2", r"\sqrt{v}", r"\text{</math> & <b>}",
                          r"\frac{a}{b}", r"\sum_{i=1}^n", "<", "&", r"\mathrm{Adam}", r"\{", "1.5"])
_formulas = st.lists(_atoms, min_size=1, max_size=6).map(" ".join)


def _via_stash(html: str) -> list:
    return plain_text(f"<p>Before {_TOKEN} after</p>", {_TOKEN: html})


def _whole(html: str) -> list:
    return plain_text(f"<p>Before {html} after</p>")


@settings(max_examples=60, deadline=None)
@given(_formulas, st.booleans(), st.booleans())
def test_formula_text_is_the_same_from_the_mathml_alone(tex: str, display: bool, aligned: bool) -> None:
    if aligned:
        tex = "\\begin{align}" + tex + " \\\\ " + tex + "\\end{align}"
        display = True
    html = _RENDER(tex, display).html
    assert _via_stash(html) == _whole(html)
    if "</math>" in html:
        assert latex_of(html) is not None  # the shortcut is taken


def test_other_html_is_read_whole() -> None:
    error = _RENDER(r"\frac{", False)  # KaTeX rejects it: the source is shown as code
    assert error.error and latex_of(error.html) is None
    assert _via_stash(error.html) == _whole(error.html)
    # Something that merely starts like a formula but has text after it is read whole
    odd = '<span class="math"><math><annotation>x</annotation></math></span> tail'
    assert latex_of(odd) is None
    assert "tail" in _via_stash(odd)[0][2]


def _parsed_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser.ids


_pieces = st.sampled_from(["<", ">", "/", " ", "\n", "=", '"', "'", "span", "p", "id", "ID", "iD", "x", "data-id",
                           "width", "idx", "&amp;", "<!--", "-->", "<math>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=30).map("".join))
def test_element_ids_never_misses_an_id(html: str) -> None:
    assert element_ids(html) == _parsed_ids(html)


@settings(max_examples=30, deadline=None)
@given(_formulas, st.booleans())
def test_element_ids_of_formulas(tex: str, display: bool) -> None:
    html = _RENDER(tex, display).html
    assert element_ids(html) == _parsed_ids(html)


def test_element_ids_finds_ids_written_any_way() -> None:
    for html in ['<h2 id="a">', "<h2 ID=a>", "<h2\nid = 'a'>", '<p class="x"id="a">', "<br/id=a>"]:
        assert element_ids(html) == ["a"], html
