r"""
The constructs real annotated projects use (issue 11), built from a
third-party-style tree written like nn.labml.ai's sources: raw `<a id>`
anchors, `---*caption*---` figures, extensionless links, `\begin{align}`,
doctests, odd file names. The build must be clean: no warning, plain titles,
no equation number nothing refers to, no duplicate id, every link resolving.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from site_gen.build import build
from site_gen.cli import main
from site_gen.config import ConfigError, load
from site_gen.document import parse
from site_gen.math import KatexRenderer, equation_labels, number_labels
from site_gen.model import Source
from site_gen.prose import ProseRenderer, element_ids, keep_link
from site_gen.search_text import identifiers
from site_gen.split import split
from site_gen.symbols import mark_symbols

ANNOTATED = Path(__file__).parent / "fixtures" / "annotated"
MARKDOWN_LEFTOVERS = re.compile(r"\$|\*\*|\]\(|\\[a-z]|`")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """The annotated tree, built once as a new user would: a bare folder, no settings."""
    work = tmp_path_factory.mktemp("annotated")
    source = work / "src"
    shutil.copytree(ANNOTATED, source)
    out = work / "html"
    report = build(load(work, source=source, out=out))
    pages = {p.relative_to(out).as_posix(): p.read_text("utf-8") for p in out.rglob("*.html")}
    return report, out, pages


def test_builds_without_a_single_warning(site) -> None:
    report, _, pages = site
    assert [str(p) for p in report.problems] == []
    assert {"index.html", "feed_forward.html", "attention/index.html", "corner_cases.html",
            "a#b.html", "q?x.html"} <= set(pages)


def test_titles_are_plain_text_everywhere(site) -> None:
    _, out, pages = site
    titles = {name: re.search(r"<title>(.*?)</title>", html).group(1) for name, html in pages.items()}
    assert titles["index.html"].startswith("Tiny Annotated Models ·")
    assert titles["feed_forward.html"].startswith("Position-wise Feed-Forward Network (FFN) ·")
    search = next((out / "_search").glob("*.js")).read_text("utf-8")
    shown = [*titles.values(), *re.findall(r'"t":"([^"]*)"', search)]
    for html in pages.values():
        shown += re.findall(r'<meta property="og:title" content="([^"]*)"', html)
        for nav in re.findall(r'<nav class="breadcrumbs".*?</nav>|<section class="listing">.*?</section>', html, re.S):
            shown += re.findall(r">([^<>]+)</a>", nav)
    assert shown and not [t for t in shown if MARKDOWN_LEFTOVERS.search(t)]


# KaTeX's MathML for a numbered formula: a full-width table with the number in its last cell
_NUMBERED = '<mtable width="100%">'
# a tagged row of `align`: its number in the row's last cell (math.py puts it there)
_TAGGED_ROW = '<mtd class="eqn-tag">'
# and for every equation of a numbered environment: a cell the stylesheet's counter numbers
_COUNTED = 'class ="mml-eqn-num"'


def test_no_equation_number_that_nothing_refers_to(site) -> None:
    _, _, pages = site
    numbers = {name: html.count(_NUMBERED) + html.count(_TAGGED_ROW) for name, html in pages.items()}
    # feed_forward's align has no label: unnumbered; attention's is labelled and referred to
    assert numbers["feed_forward.html"] == 0
    assert numbers["attention/index.html"] >= 1
    assert "(1)" in re.sub(r"<[^>]+>", "", pages["attention/index.html"].split("Attention weighs")[1][:4000])


def test_no_duplicate_id_on_any_page(site) -> None:
    _, _, pages = site
    for name, html in pages.items():
        repeated = [i for i, n in Counter(element_ids(html)).items() if n > 1]
        assert not repeated, (name, repeated)
    ids = element_ids(pages["attention/index.html"])
    # A heading "Section 2" or "Search results" does not take the page's own ids
    assert ids.count("section-2") == 1 and ids.count("search-results") == 1


def test_every_link_and_image_resolves(site) -> None:
    _, out, pages = site
    checked = 0
    for name, html in pages.items():
        page = PurePosixPath(name)
        for url in re.findall(r'(?:href|src)="([^"]*)"', html):
            parts = urlsplit(url.replace("&amp;", "&"))
            if parts.scheme:
                continue
            target = PurePosixPath(page.parent, unquote(parts.path)) if parts.path else page
            path = out / target
            assert path.exists(), (name, url)
            if parts.fragment and path.suffix == ".html":
                assert parts.fragment in element_ids(path.read_text("utf-8")), (name, url)
            checked += 1
    assert checked > 50
    index = pages["index.html"]
    assert 'href="a%23b.html"' in index and 'href="q%3Fx.html"' in index  # names that need escaping
    assert 'href="feed_forward.html#FFN"' in index  # extensionless, to a raw `<a id>` anchor


def test_raw_html_images_and_links_are_copied_and_rewritten(site) -> None:
    _, out, pages = site
    attention = pages["attention/index.html"]
    assert '<img src="heads.svg" width="300"' in attention and (out / "attention" / "heads.svg").exists()
    assert '<a href="../feed_forward.html">feed-forward source</a>' in attention


def test_comments_and_attributes_hold_no_math(site) -> None:
    _, _, pages = site
    attention = pages["attention/index.html"]
    assert "An older form" not in attention and "math-error" not in attention
    assert '<abbr title="$d_k$ is the key width">scale</abbr>' in attention


def test_captions_and_doctests(site) -> None:
    _, _, pages = site
    ffn = pages["feed_forward.html"]
    figure = re.search(r"<figure>(.*?)</figure>", ffn, re.S).group(1)
    assert '<img alt="The two layers of the network" src="ffn.svg">' in figure and "<figcaption>" in figure
    assert "---" not in figure
    assert '<span class="gp">&gt;&gt;&gt; </span>' in ffn and "<blockquote>" not in ffn


def test_no_site_url_no_canonical_no_sitemap(site) -> None:
    report, out, pages = site
    assert not (out / "sitemap.xml").exists()
    assert all('rel="canonical"' not in html and "og:url" not in html for html in pages.values())
    assert sum("no site URL" in note for note in report.notes) == 1


def test_strict_fails_on_a_real_problem_and_keeps_the_clean_pages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ANNOTATED, source)
    (source / "broken.py").write_text('"""\n# Broken\n\n[one](missing.py)\n\nAgain [one](missing.py)\n\n'
                                      '[anchor](feed_forward#nowhere)\n"""\n')
    out = tmp_path / "html"
    assert main(["build", str(source), "--out", str(out), "--strict"]) == 1
    report = build(load(tmp_path, source=source, out=out))
    lines = sorted((p.line, p.message.split(":")[0]) for p in report.problems)
    assert lines == [(4, "broken link 'missing.py'"), (6, "broken link 'missing.py'"),
                     (8, "broken link 'feed_forward#nowhere'")]
    assert (out / "feed_forward.html").exists() and (out / "broken.html").exists()


# ## The constructs one at a time


def test_module_heading_gives_the_title_never_a_function_or_a_fence() -> None:
    text = 'import os\n\n\ndef f():\n    """\n    # Not the title\n    """\n'
    source = Source(PurePosixPath("m.py"), PurePosixPath("m.html"), PurePosixPath("m.py"), "python")
    assert parse(source, text, []).title == "m"
    fenced = '"""\n```\n# not a heading\n```\n\n## The heading\n"""\n'
    assert parse(source, fenced, []).title == "The heading"


def test_an_epytext_docstring_does_not_swallow_the_next_header() -> None:
    text = (ANNOTATED / "corner_cases.py").read_text("utf-8")
    sections, problems = split(text)
    assert not problems
    scale = next(s for s in sections if "next function's prose" in s.doc)
    lines = text.split("\n")
    assert [lines[n - 1] for n in scale.code_lines][0] == "def scale(value):"


def test_a_comment_after_a_docstring_is_kept() -> None:
    text = 'def f():\n    """Doc."""  # kept\n    return 1\n'
    sections, _ = split(text)
    shown = [text.split("\n")[n - 1] for s in sections for n in s.code_lines]
    assert "kept" in sections[0].doc and not any("Doc." in line for line in shown)  # prose, with its docstring


@pytest.mark.parametrize("pragma", ["# fmt: off", "# type: ignore", "# noqa: E501", "# pylint: disable=all"])
def test_tool_pragmas_on_their_own_line_stay_in_the_code(pragma: str) -> None:
    text = f"x = 1\n{pragma}\ny = 2\n"
    sections, _ = split(text)
    assert not any(s.doc for s in sections)
    assert [n for s in sections for n in s.code_lines] == [1, 2, 3]


def test_identifiers_with_non_ascii_letters_are_whole() -> None:
    assert identifiers(["ñame = größe + x1"]) == ["ñame", "größe", "x1"]


@pytest.mark.parametrize("tex", [r"g_t = \nabla_\theta f_t", r"\mathbf{x}_t", r"W^\alpha_{ij}", r"\nabla^\theta"])
def test_marked_formulas_still_render(tex: str) -> None:
    rendered = KatexRenderer()(tex, False)
    assert rendered.error is None and "data-sym" in rendered.html


def test_names_in_fonts_are_not_letters() -> None:
    assert mark_symbols(r"\texttt{lr} \mathit{softmax}") == r"\texttt{lr} \mathit{softmax}"
    assert mark_symbols(r"\mathbf{x}").count("textcolor") == 1


def test_labels_are_numbered_in_page_order_and_references_show_the_number() -> None:
    formulas = [r"a \eqref{second}", r"\begin{align}x \label{first}\end{align}", r"y \label{second}"]
    labels = equation_labels(formulas)
    assert labels == {"first": "1", "second": "2"}
    assert number_labels(formulas[0], labels) == r"a \text{(2)}"
    rendered = KatexRenderer()(number_labels(formulas[1], labels), True)
    assert rendered.error is None and _TAGGED_ROW in rendered.html and "<mtext>(1)</mtext>" in rendered.html
    plain = KatexRenderer()(r"\begin{align}x\end{align}", True).html
    assert _NUMBERED not in plain and _COUNTED not in plain
    assert _COUNTED in KatexRenderer(number_all=True)(r"\begin{align}x\end{align}", True).html


def test_a_label_beside_the_authors_tag_shows_that_tag_as_amsmath_does() -> None:
    formulas = [r"L = \sum_i \ell_i \tag{A}\label{loss}", r"y \label{next}",
                r"\begin{align}a &= b \tag{*} \label{star} \\ c &= d \label{row}\end{align}", r"\eqref{loss} \eqref{star}"]
    labels = equation_labels(formulas)
    assert labels == {"loss": "A", "next": "1", "star": "*", "row": "2"}  # a tag takes no number
    for tex in formulas[:3]:
        numbered = number_labels(tex, labels)
        assert numbered.count(r"\tag") == tex.count(r"\label")  # one tag a row: none added beside the author's
        assert KatexRenderer()(numbered, True).error is None, numbered
    assert number_labels(formulas[3], labels) == r"\text{(A)} \text{(*)}"


def test_an_authors_raw_anchor_is_an_id_and_headings_avoid_it() -> None:
    renderer = ProseRenderer(lambda tex, display: None, keep_link)
    assert renderer.render('<a id="intro"></a>\n\nText.').ids == ["intro"]
    assert renderer.render("# First\n\n## Intro").headings[-1].anchor != "intro"


def test_the_equation_numbers_setting(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "eq.py").write_text('r"""\n# Eq\n\n\\begin{align}a &= b\\end{align}\n"""\n')
    settings = tmp_path / "pyproject.toml"
    pages = {}
    for value in ("tagged", "all"):
        settings.write_text(f'[tool.site_gen]\nequation_numbers = "{value}"\n[[tool.site_gen.sources]]\ndir = "src"\n')
        report = build(load(tmp_path, out=tmp_path / value))
        assert not report.problems
        pages[value] = (tmp_path / value / "eq.html").read_text("utf-8")
    assert _COUNTED not in pages["tagged"] and _COUNTED in pages["all"]  # the stylesheet numbers those cells
    settings.write_text('[tool.site_gen]\nequation_numbers = "some"\n')
    with pytest.raises(ConfigError, match="equation_numbers"):
        load(tmp_path, source=tmp_path / "src")


def test_two_folders_with_one_prefix_and_one_image_name_are_reported(tmp_path: Path) -> None:
    for folder, colour in (("one", "#f00"), ("two", "#00f")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "fig.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg" fill="{colour}"/>')
        (tmp_path / folder / f"{folder}.py").write_text(f'"""\n# {folder}\n\n![figure](fig.svg)\n"""\n')
    (tmp_path / "pyproject.toml").write_text('[[tool.site_gen.sources]]\ndir = "one"\n[[tool.site_gen.sources]]\ndir = "two"\n')
    report = build(load(tmp_path, out=tmp_path / "html"))
    assert [p.message.split(":")[0] for p in report.problems] == ["not copied"]
    assert "two/fig.svg" in report.problems[0].path and "#f00" in (tmp_path / "html" / "fig.svg").read_text()


def test_a_display_formula_with_a_blank_line_on_a_translated_page(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text('r"""\n# Blank\n\nBefore.\n\n\\[\na\n\nb\n\\]\n\nAfter.\n"""\n')
    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\nlanguages = ["en", "ja"]\n'
                                             '[[tool.site_gen.sources]]\ndir = "src"\n')
    report = build(load(tmp_path, out=tmp_path / "html"))
    assert not report.problems
    page = (tmp_path / "html" / "ja" / "m.html").read_text("utf-8")
    assert "math-error" not in page and not re.search("[\ue000-\uf8ff]", page)


def test_an_email_autolink_is_not_a_broken_link() -> None:
    seen = []

    def resolve(url: str, is_image: bool):
        seen.append(url)
        return keep_link(url, is_image)

    result = ProseRenderer(lambda tex, display: None, resolve).render("Written by <guido@example.org>.")
    assert seen == ["mailto:guido@example.org"] and not result.issues
    assert 'href="mailto:guido@example.org"' in result.html
