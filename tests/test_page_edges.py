"""One page's edges: generated ids never take an id the author wrote, every broken link is reported where it is, folders carry their configured titles."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from site_gen.build import build
from site_gen.config import load


def built(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pkg").mkdir()
    for name, text in files.items():
        (tmp_path / "pkg" / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\ntitle = "Q"\n[[tool.site_gen.sources]]\ndir = "pkg"\n')
    report = build(load(tmp_path, out=tmp_path / "html"), use_cache=False)
    return report, {p.name: p.read_text("utf-8") for p in (tmp_path / "html").glob("*.html")}


def ids(html: str) -> Counter:
    return Counter(re.findall(r'\bid="([^"]*)"', html))


def test_a_heading_after_an_authors_anchor_of_the_same_name_steps_aside(tmp_path: Path) -> None:
    report, pages = built(tmp_path, {"a.py": '"""\n# A\n"""\n\n# <a id="scores"></a>\n#\n# ### Scores\nx = 1\n\n'
                                             '# ## Real\n#\n# Text <a id="real"></a> here.\ny = 2\n'})
    assert [str(p) for p in report.problems] == []
    page = ids(pages["a.html"])
    assert page["scores"] == 1 and page["real"] == 1 and max(page.values()) == 1


def test_a_heading_named_like_a_section_keeps_its_slug_when_no_row_takes_it(tmp_path: Path) -> None:
    report, pages = built(tmp_path, {"a.py": '"""\n# A\n\n[back](#section-2)\n"""\n\n# ## Section 2\nx = 1\n'})
    assert [str(p) for p in report.problems] == []
    assert ids(pages["a.html"])["section-2"] == 1 and max(ids(pages["a.html"]).values()) == 1


def test_a_row_without_a_heading_steps_aside_from_a_heading_that_took_its_id(tmp_path: Path) -> None:
    report, pages = built(tmp_path, {"a.py": '"""\n# A\n\n## Section 2\n"""\n\n# Text.\nx = 1\n\n# [to](#section-2)\ny = 1\n'})
    assert [str(p) for p in report.problems] == []
    assert max(ids(pages["a.html"]).values()) == 1


def test_the_same_broken_link_on_two_lines_is_reported_on_both(tmp_path: Path) -> None:
    report, _ = built(tmp_path, {"a.py": '"""\n# A\n\nSee [x](#nope).\n\nAnd [x](#nope).\n"""\n'})
    assert sorted(p.line for p in report.problems if "#nope" in p.message) == [4, 6]


def test_a_link_written_with_html_has_its_fragment_checked_like_the_others(tmp_path: Path) -> None:
    report, _ = built(tmp_path, {"a.py": '"""\n# A\n\n[1](b.html#nope) [2](b.py#nope) [3](b#nope) [4](b.html#here)\n"""\n',
                                 "b.py": '"""\n# B\n\n## Here\n"""\n'})
    broken = sorted(p.message.split("'")[1] for p in report.problems if "no anchor" in p.message)
    assert broken == ["b#nope", "b.html#nope", "b.py#nope"]


def test_a_source_folder_without_init_is_listed_under_its_configured_title(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "thing.py").write_text('"""\n# Thing\n"""\nx = 1\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text('"""\n# A\n"""\n')
    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\ntitle = "Q"\n[[tool.site_gen.sources]]\ndir = "pkg"\n'
                                             '[[tool.site_gen.sources]]\ndir = "other"\nprefix = "other"\n'
                                             'title = "Other things"\n')
    build(load(tmp_path, out=tmp_path / "html"), use_cache=False)
    home = (tmp_path / "html" / "index.html").read_text("utf-8")
    page = (tmp_path / "html" / "other" / "thing.html").read_text("utf-8")
    assert "Other things" in home and ">other<" not in home
    assert "Other things" in page  # its breadcrumb


def test_equation_references_in_prose_are_numbered_and_unknown_labels_named(tmp_path: Path) -> None:
    report, pages = built(tmp_path, {"a.py": 'r"""\n# A\n\n\\begin{align}a &= b \\label{eq:one}\\end{align}\n\n'
                                             'See \\eqref{eq:one}, then $x = \\eqref{eq:two}$ and \\ref{eq:three}.\n"""\n'})
    assert sorted((p.line, p.message) for p in report.problems) == [
        (6, "unknown equation label 'eq:three'"), (6, "unknown equation label 'eq:two'")]
    text = re.sub(r"<annotation.*?</annotation>", "", pages["a.html"], flags=re.DOTALL)
    assert "\\eqref" not in text and "\\ref{" not in text and "Undefined control sequence" not in text
    assert "(1)" in re.sub(r"<[^>]+>", "", text)
