"""
An edit re-renders only the sections it changed: each section's prose is
remembered by everything its rendering reads (its text, the page's ids and
footnotes so far, the settings, the site's structure, the interface table),
and the page built from remembered sections is the page a clean build makes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from site_gen.build import build
from site_gen.cli import main
from site_gen.config import load
from site_gen.prose import ProseRenderer
from test_cache import same_tree

PAGE = '''"""
# Steps

The first section[^1].

[^1]: A footnote.
"""

import math

# ## Update
#
# {middle}
x = 1

# ## Update
#
# A heading like the one above takes the next free id; and a footnote[^2].
#
# [^2]: Numbered after the first.
y = 2
'''


@pytest.fixture
def tree(bilingual_tree: Path) -> Path:
    (bilingual_tree / "pkg" / "steps.py").write_text(PAGE.format(middle="The middle section, $m_t$."))
    main(["translate", "update", "--root", str(bilingual_tree)])
    return bilingual_tree


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown of every section rendered from here on."""
    texts: list[str] = []
    render = ProseRenderer.render

    def counted(self: ProseRenderer, text: str, anchors: list[str] | None = None):
        texts.append(text)
        return render(self, text, anchors)

    monkeypatch.setattr(ProseRenderer, "render", counted)
    return texts


def _edit(tree: Path, middle: str) -> None:
    (tree / "pkg" / "steps.py").write_text(PAGE.format(middle=middle))


def _built_then_edited(tree: Path, out: Path, rendered: list[str], edit, jobs: int = 1) -> None:
    """Build into `out` (with `jobs`), `edit()`, and build again with one job, recording only that build's sections."""
    config = load(tree, out=out)
    build(config, jobs=jobs)
    edit()
    rendered.clear()
    build(config, jobs=1)


def _same_as_clean(tree: Path, tmp_path: Path) -> bool:
    build(load(tree, out=tmp_path / "clean"), use_cache=False)
    return same_tree(tmp_path / "clean", tmp_path / "html")


def test_an_edit_renders_only_the_section_it_changed(tree: Path, tmp_path: Path, rendered: list[str]) -> None:
    _built_then_edited(tree, tmp_path / "html", rendered, lambda: _edit(tree, "The middle section, edited: $m_t$."))
    section_texts = [text for text in rendered if "## Update" in text or "first section" in text]
    assert len([text for text in section_texts if "edited" in text]) == 2  # in English, and in Japanese
    assert [text for text in section_texts if "edited" not in text] == []
    assert _same_as_clean(tree, tmp_path)


def test_an_id_taken_before_a_section_renders_it_again(tree: Path, tmp_path: Path, rendered: list[str]) -> None:
    """An id the author takes in the first section: the last heading steps aside to `update_2`, not as remembered."""
    page = tree / "pkg" / "steps.py"
    _built_then_edited(tree, tmp_path / "html", rendered, lambda: page.write_text(
        page.read_text().replace("The first section[^1].", 'The first section[^1]. <a id="update_1"></a>')))
    assert any("Numbered after the first" in text for text in rendered)
    assert 'id="update_2"' in (tmp_path / "html" / "steps.html").read_text()
    assert _same_as_clean(tree, tmp_path)


def test_sections_rendered_in_workers_are_remembered(tree: Path, tmp_path: Path, rendered: list[str]) -> None:
    """A cold build forks its workers; the first edit after it still finds every other section."""
    _built_then_edited(tree, tmp_path / "html", rendered, lambda: _edit(tree, "The middle section, edited: $m_t$."),
                       jobs=2)
    assert [text for text in rendered if "first section" in text or "takes the next free id" in text] == []


def test_a_damaged_section_entry_is_rendered_again(tree: Path, tmp_path: Path) -> None:
    config = load(tree, out=tmp_path / "html")
    build(config, jobs=1)
    with sqlite3.connect(config.cache) as db:
        db.execute("""UPDATE entries SET value = '{"html": 3}' WHERE kind = 'section'""")
    _edit(tree, "The middle section, edited: $m_t$.")
    report = build(config, jobs=1)
    assert any("damaged section entry" in note for note in report.notes)
    assert _same_as_clean(tree, tmp_path)
