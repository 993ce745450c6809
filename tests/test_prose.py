"""Prose: Markdown with math protected, literal underscores, links and headings.

Most tests pass a simple escaping math renderer (fast, and it shows exactly
which text reached the renderer); one test runs the real KaTeX renderer.
"""

from __future__ import annotations

from html import escape

import pytest
from conftest import compare_golden

from site_gen.math import KatexRenderer, Rendered
from site_gen.prose import LinkResult, ProseRenderer


class Recorder:
    """A math renderer that records what it was given and marks it in the output."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, tex: str, display: bool) -> Rendered:
        self.seen.append((tex, display))
        tag = "D" if display else "I"
        return Rendered(f"<m{tag}>{escape(tex)}</m{tag}>")


def render(text: str, **kwargs) -> tuple[str, Recorder, list]:
    math = Recorder()
    renderer = ProseRenderer(math, **kwargs)
    result = renderer.render(text)
    return result.html, math, result.issues


@pytest.mark.parametrize(
    ("markdown", "tex", "display"),
    [
        ("Inline $a_1 * b_2 * c$ here.", "a_1 * b_2 * c", False),
        ("Display\n\n$$\n\\hat{m}_t = \\frac{m_t}{1 - \\beta_1^t}\n$$\n", "\\hat{m}_t = \\frac{m_t}{1 - \\beta_1^t}", True),
        ("Paren \\(x_i\\) form.", "x_i", False),
        ("Bracket \\[y_j\\] form.", "y_j", True),
        ("\\begin{align}\n    a_1 &= b \\\\\n    - c &= d\n\\end{align}",
         "\\begin{align}\n    a_1 &= b \\\\\n    - c &= d\n\\end{align}", True),
        ("* item with $x_1$ in a list", "x_1", False),
        ("| a | b |\n|---|---|\n| $x_1$ | 2 |", "x_1", False),
    ],
)
def test_math_reaches_the_renderer_untouched(markdown: str, tex: str, display: bool) -> None:
    html, math, issues = render(markdown)
    assert math.seen == [(tex, display)]
    assert issues == []
    assert "<em>" not in html and "<strong>" not in html
    assert escape(tex) in html


def test_code_spans_and_fenced_code_are_never_math() -> None:
    html, math, _ = render("Use `$x$` or `` a$b$c ``.\n\n```python\nprice = '$5$'\n```\n")
    assert math.seen == []
    assert "<code>$x$</code>" in html
    assert "$5$" in html


def test_escaped_dollar_is_a_dollar() -> None:
    html, math, issues = render("It costs \\$5 and \\$6.")
    assert math.seen == [] and issues == []
    assert "It costs $5 and $6." in html


def test_dollars_across_paragraphs_are_not_a_pair() -> None:
    _, math, issues = render("Step $\\alpha now.\n\nAnd $x_t later.")
    assert math.seen == []
    assert [i.message for i in issues] == ["unmatched `$` (write `\\$` for a dollar sign)"] * 2


def test_unmatched_dollar_is_reported_with_its_line() -> None:
    _, _, issues = render("fine\n\nthe $x^2 is open")
    assert len(issues) == 1 and issues[0].needle == "the $x^2 is open"


@pytest.mark.parametrize("text", ["Set $PATH first.", "Pay $5 now.", "Write \"${message}\" here.", "Quote '$$' as is.",
                                  "Read $PATH_INFO and $HOME."])
def test_a_dollar_sign_that_opens_no_tex_is_shown_without_a_warning(text: str) -> None:
    """Third-party docstrings write dollars as they are: asking for `\\$` would ask for an invalid escape."""
    html, math, issues = render(text)
    assert math.seen == [] and issues == []
    assert f"<p>{text}</p>" in html  # shown as written


def test_underscores_in_link_text_and_code_stay_literal() -> None:
    html, _, _ = render("See [__init__.py](x.py), [`__call__`](y.py) and `__init__`.")
    assert ">__init__.py</a>" in html
    assert "<code>__call__</code>" in html
    assert "<strong>" not in html and "<em>" not in html


def test_links_pass_through_the_resolver() -> None:
    seen = []

    def resolve(url: str, is_image: bool) -> LinkResult:
        seen.append((url, is_image))
        if url == "missing.py":
            return LinkResult(url, "broken link 'missing.py': no such file")
        return LinkResult(url.replace(".py", ".html"))

    html, _, issues = render("[a](adam.py#step) ![f](fig.svg) [m](missing.py)", resolve_link=resolve)
    assert seen == [("adam.py#step", False), ("fig.svg", True), ("missing.py", False)]
    assert 'href="adam.html#step"' in html and 'src="fig.svg"' in html
    assert [i.message for i in issues] == ["broken link 'missing.py': no such file"]


def test_heading_ids_are_unique_across_the_sections_of_a_page() -> None:
    renderer = ProseRenderer(Recorder())
    first = renderer.render("## Update rule\n\ntext")
    second = renderer.render("## Update rule\n\nmore")
    assert "id=" not in first.html  # the first heading of a section gives its anchor to the section
    assert "id=" not in second.html and second.section_anchor == "update-rule_1"
    assert [h.anchor for h in first.headings + second.headings] == ["update-rule", "update-rule_1"]


def test_tables_and_footnotes() -> None:
    renderer = ProseRenderer(Recorder())
    html = renderer.render("| a |\n|---|\n| 1 |\n\nA claim.[^1]\n\n[^1]: The source.").html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote"' in html


def test_real_katex_gives_mathml_and_reports_errors() -> None:
    katex = KatexRenderer()
    renderer = ProseRenderer(katex)
    result = renderer.render("Good $\\hat{v}_t$, bad $\\frac{a$, good again $\\hat{v}_t$.")
    html, issues = result.html, result.issues
    assert "<math" in html and "katex" not in html  # MathML alone: no drawn copy
    assert "math-error" in html and "\\frac{a" in html
    assert len(issues) == 1 and issues[0].message.startswith("LaTeX error:")
    assert katex.rendered == 2  # the repeated formula was rendered once


def test_runaway_macros_are_bounded() -> None:
    result = KatexRenderer()("\\def\\x{\\x\\x}\\x", False)
    assert result.error and "expansions" in result.error.lower()


SNIPPETS = __import__("pathlib").Path(__file__).parent / "snippets" / "prose"


@pytest.mark.parametrize("source", sorted(SNIPPETS.glob("*.md")), ids=lambda p: p.stem)
def test_golden(source, update_goldens: bool) -> None:
    """Whole renders, compared with reviewed output (`pytest --update-goldens` rewrites them)."""
    html, _, issues = render(source.read_text())
    actual = html + "\n" + "".join(f"<!-- {issue.message} -->\n" for issue in issues)
    compare_golden(source.with_suffix(".html"), actual, update_goldens)
