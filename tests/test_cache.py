"""The build cache and parallel rendering: faster, never different."""

from __future__ import annotations

import filecmp
import json
import shutil
from dataclasses import asdict, replace
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings, strategies as st

from site_gen.build import build
from site_gen.cli import main
from site_gen import produce
from site_gen.config import load
from site_gen.definitions import ModuleNames
from site_gen.document import Document, pack
from site_gen.model import PageResult, Problem, Section, Source

@pytest.fixture
def tree(bilingual_tree: Path) -> Path:
    main(["translate", "update", "--root", str(bilingual_tree)])
    return bilingual_tree


def same_tree(a: Path, b: Path) -> bool:
    files = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    other = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    return files == other and not mismatch and not errors


def test_cached_uncached_and_parallel_builds_are_byte_identical(tree: Path, tmp_path: Path) -> None:
    build(load(tree, out=tmp_path / "uncached"), use_cache=False, jobs=1)
    build(load(tree, out=tmp_path / "cold"), jobs=2)
    warm = build(load(tree, out=tmp_path / "warm"), jobs=2)
    build(load(tree, out=tmp_path / "parallel"), use_cache=False, jobs=4)
    assert warm.rendered == 0 and warm.formulas == 0
    for name in ("cold", "warm", "parallel"):
        assert same_tree(tmp_path / "uncached", tmp_path / name), name


def test_a_rebuild_with_nothing_changed_renders_nothing(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    first = build(load(tree, out=out))
    assert first.rendered > 0 and first.formulas > 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build(load(tree, out=out))
    assert again.rendered == 0 and again.formulas == 0 and again.cache_hits > 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems]


def test_editing_one_source_renders_only_its_pages(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text().replace("DONE = True", "DONE = False"))
    report = build(load(tree, out=out))
    assert report.rendered == 2  # model.html in English and in Japanese
    assert "False" in (out / "model.html").read_text()


def test_editing_a_translation_renders_only_that_page_in_that_language(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    table = tree / "translations" / "ja" / "readme.json"
    table.write_text(table.read_text().replace('"Links back to [the model](model.py#update).": ""',
                                               '"Links back to [the model](model.py#update).": "[モデル](model.py#update)へ戻る。"'))
    report = build(load(tree, out=out))
    assert report.rendered == 1
    assert "モデル" in (out / "ja" / "readme.html").read_text()


def test_editing_a_template_renders_everything(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    first = build(load(tree, out=out))
    templates = tree / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    (templates / "page.html").write_text((templates / "page.html").read_text() + "\n")
    report = build(load(tree, out=out))
    assert report.rendered == first.rendered


def test_entries_of_an_earlier_version_are_forgotten_quietly(tree: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version of the generator (or of a tool) finds the old entries stale, not damaged."""
    out = tmp_path / "html"
    first = build(load(tree, out=out))
    monkeypatch.setattr("site_gen.cache.tool_versions", lambda: "a later version")
    again = build(load(tree, out=out))
    assert again.rendered == first.rendered and again.formulas == first.formulas
    assert [note for note in again.notes if "cache" in note] == []


@pytest.mark.parametrize("damage", [b"this is not a database", b"SQLite format 3\x00" + b"\xff" * 100, b""])
def test_a_damaged_cache_is_rebuilt_with_a_note(tree: Path, tmp_path: Path, damage: bytes) -> None:
    out = tmp_path / "html"
    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=out)
    build(config)
    config.cache.write_bytes(damage)
    report = build(load(tree, out=out))
    assert report.rendered == reference.rendered
    if damage:
        assert any("cache" in note for note in report.notes)
    assert same_tree(tmp_path / "reference", out)
    assert build(load(tree, out=out)).rendered == 0  # and the new cache works


def test_the_cache_lives_outside_the_output(tree: Path, tmp_path: Path) -> None:
    config = load(tree, out=tmp_path / "html")
    build(config)
    assert config.cache.is_file() and not config.cache.is_relative_to(config.out)


def test_entries_from_other_tool_versions_are_never_used(tree: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "html"
    first = build(load(tree, out=out))
    import site_gen.cache

    monkeypatch.setattr(site_gen.cache, "tool_versions", lambda: "a different KaTeX")
    again = build(load(tree, out=out))
    assert again.rendered == first.rendered and again.formulas == first.formulas


def test_the_cache_forgets_what_the_site_no_longer_uses(tree: Path, tmp_path: Path) -> None:
    import sqlite3

    config = load(tree, out=tmp_path / "html")
    build(config)
    kinds = lambda: sqlite3.connect(config.cache).execute(
        "SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY kind").fetchall()
    for i in range(3):
        source = tree / "pkg" / "model.py"
        source.write_text(source.read_text() + f"\n# Note {i}: ${i}$\nx{i} = {i}\n")
        build(config)
    after_edits = kinds()
    config.cache.unlink()
    build(config)
    assert after_edits == kinds()  # what one build of the site stores, not three generations of pages


def test_a_no_op_build_keeps_the_formulas_for_the_next_edit(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    build(load(tree, out=out))  # renders nothing, so consults no formula
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text().replace("DONE = True", "DONE = False"))
    assert build(load(tree, out=out)).formulas == 0


@pytest.mark.parametrize("edit, highlighted", [
    (("# A comment with no heading", "# An edited comment with no heading"), False),  # prose: the code is as it was
    (("DONE = True", "DONE = False"), True),  # code
    (("# A comment with no heading", "# A comment (\"quoted\") with no heading\n# and a line more"), False),
])
def test_an_edit_of_prose_finds_its_code_highlighted(tree: Path, tmp_path: Path, monkeypatch, edit, highlighted) -> None:
    """Code is cached by the code alone: an edit of a comment shown as prose highlights nothing, and changes no code."""
    from site_gen import highlight

    out = tmp_path / "html"
    build(load(tree, out=out))
    source = tree / "pkg" / "model.py"
    assert edit[0] in source.read_text()
    source.write_text(source.read_text().replace(*edit))
    calls = []
    lines = highlight.highlight_lines
    monkeypatch.setattr(highlight, "highlight_lines", lambda *args: calls.append(args) or lines(*args))
    report = build(load(tree, out=out))
    assert report.rendered >= 2 and bool(calls) == highlighted  # a line more moves other pages' links to lines
    monkeypatch.undo()
    build(load(tree, out=tmp_path / "reference"), use_cache=False)
    assert same_tree(tmp_path / "reference", out)


def test_front_matter_read_by_workers_is_remembered_for_the_next_edit(tmp_path: Path, monkeypatch) -> None:
    """A cold build reads front matter in its workers; the first edit after it still needs no YAML read."""
    from site_gen import document

    (tmp_path / "pyproject.toml").write_text('[[tool.site_gen.sources]]\ndir = "src"\n')
    (tmp_path / "src").mkdir()
    for i in range(10):  # enough sources for the build to share them between workers
        (tmp_path / "src" / f"m{i}.py").write_text(f'"""\n---\ntitle: Page {i}\n---\nProse {i}.\n"""\n\nx = {i}\n')
    config = load(tmp_path, out=tmp_path / "html")
    build(config, jobs=2)
    edited = tmp_path / "src" / "m3.py"
    edited.write_text(edited.read_text().replace("x = 3", "x = 33"))
    reads = []
    monkeypatch.setattr(document, "read_front_matter", lambda yaml: reads.append(yaml) or [None, None, None])
    report = build(load(tmp_path, out=tmp_path / "html"), jobs=2)
    assert report.rendered >= 1 and reads == []
    assert "<title>Page 3" in (tmp_path / "html" / "m3.html").read_text()


def test_a_heading_from_an_earlier_build_reads_as_a_fresh_one(tmp_path: Path) -> None:
    """A page re-rendered around a remembered section lists its heading in the contents as a fresh build does."""
    (tmp_path / "pyproject.toml").write_text('[[tool.site_gen.sources]]\ndir = "src"\n')
    (tmp_path / "src").mkdir()
    page = tmp_path / "src" / "page.py"
    page.write_text("# # Page\n\n# ## Alice's & Bob's $x_1$\nx = 1\n\n# ## Other\ny = 2\n")
    build(load(tmp_path, out=tmp_path / "html"))
    page.write_text(page.read_text().replace("## Other", "## Another"))
    assert build(load(tmp_path, out=tmp_path / "html")).rendered == 1
    build(load(tmp_path, out=tmp_path / "reference"), use_cache=False)
    assert same_tree(tmp_path / "reference", tmp_path / "html")
    assert "Alice&#39;s &amp; Bob" in (tmp_path / "html" / "page.html").read_text()  # escaped once, in the contents too


def test_a_definition_that_moves_re_renders_the_pages_that_link_to_it_not_the_site(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[[tool.site_gen.sources]]\ndir = "pkg"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("# # A\ndef f():\n    return 1\n")
    (tmp_path / "pkg" / "b.py").write_text("# # B\nfrom pkg.a import f\n\nx = f()\n")
    for name in "cde":
        (tmp_path / "pkg" / f"{name}.py").write_text(f"# # {name.upper()}\n{name} = 1\n")
    build(load(tmp_path, out=tmp_path / "html"))
    a = tmp_path / "pkg" / "a.py"
    a.write_text(a.read_text().replace("# # A\n", "# # A\n\n# A line more: `f` moves down.\n"))
    report = build(load(tmp_path, out=tmp_path / "html"))
    assert report.rendered == 2  # a.html, and b.html whose `f` links to its new line; c, d, e and the index as they were
    build(load(tmp_path, out=tmp_path / "reference"), use_cache=False)
    assert same_tree(tmp_path / "reference", tmp_path / "html")
    assert 'a.html#L4' in (tmp_path / "html" / "b.html").read_text()


def test_code_the_cache_lost_is_highlighted_again(tree: Path, tmp_path: Path) -> None:
    """A source's code is stored apart from its document: a page rendered without it is the same page."""
    import sqlite3

    config = load(tree, out=tmp_path / "html")
    build(config)
    with sqlite3.connect(config.cache) as db:
        assert db.execute("DELETE FROM entries WHERE kind = 'code'").rowcount > 0
    templates = tree / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    (templates / "page.html").write_text((templates / "page.html").read_text() + "\n")
    report = build(load(tree, out=tmp_path / "html"))
    build(load(tree, out=tmp_path / "reference"), use_cache=False)
    assert report.rendered > 0 and same_tree(tmp_path / "reference", tmp_path / "html")
    assert 'class="k"' in (tmp_path / "html" / "model.html").read_text()


def test_editing_a_stylesheet_renders_no_page(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    templates = tree / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    build(load(tree, out=out))
    (templates / "static" / "site.css").write_text((templates / "static" / "site.css").read_text() + "\n/* new */\n")
    report = build(load(tree, out=out))
    assert report.rendered == 0
    assert "/* new */" in (out / "_static" / "site.css").read_text()


def test_an_output_folder_inside_the_sources_does_not_defeat_the_cache(tree: Path) -> None:
    config = load(tree, out=tree / "pkg" / "site")
    build(config)
    assert build(config).rendered == 0


def formula_keys(config) -> set[str]:
    import sqlite3

    from site_gen.cache import decode_value

    with sqlite3.connect(config.cache) as db:  # values as the cache stores them (compressed when long)
        return {json.dumps(decode_value(row[0])) for row in db.execute("SELECT value FROM entries WHERE kind = 'formula'")}


def test_formulas_no_page_shows_are_forgotten_and_the_space_reclaimed(tree: Path, tmp_path: Path) -> None:
    config = load(tree, out=tmp_path / "html")
    source = tree / "pkg" / "model.py"
    original = source.read_text()
    build(config)
    first_size = config.cache.stat().st_size
    for i in range(10):  # a long formula, edited ten times: each build renders one new one
        source.write_text(original + f"\n# Note: ${'x_{%d} + ' % i * 400}y$\nz = 1\n")
        build(config)
    entries = formula_keys(config)
    assert not any("x_{0}" in value for value in entries)  # earlier versions are gone
    assert any("x_{9}" in value for value in entries)
    source.write_text(original)
    build(config)
    assert formula_keys(config) <= set().union(entries) and not any("x_{9}" in v for v in formula_keys(config))
    assert config.cache.stat().st_size <= 1.5 * first_size


def test_a_foreign_database_in_the_cache_place_is_never_trusted(tree: Path, tmp_path: Path) -> None:
    import sqlite3

    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=tmp_path / "html")
    config.cache.parent.mkdir(parents=True)
    with sqlite3.connect(config.cache) as db:  # another program's table of the same shape
        db.execute("CREATE TABLE entries (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key))")
        db.execute("INSERT INTO entries VALUES ('page', 'x', '{}')")
    report = build(config)
    assert any("not a site-gen cache" in note for note in report.notes)
    assert report.rendered == reference.rendered and same_tree(tmp_path / "reference", tmp_path / "html")


def test_settings_and_cache_belong_to_the_project_of_the_source_folder(tree: Path, tmp_path: Path,
                                                                       monkeypatch) -> None:
    elsewhere = tmp_path / "elsewhere"  # an unrelated project the command runs from
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[tool.site_gen]\nlanguages = ["en", "zh"]\ntitle = "Wrong"\n')
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "out" / "site"
    assert main(["build", str(tree / "pkg"), "--out", str(out)]) == 0
    assert (out / "ja" / "model.html").is_file() and not (out / "zh").exists()  # the tree's languages
    assert "Fixture site" in (out / "model.html").read_text()
    assert (tree / ".site_gen_cache" / "cache.sqlite").is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["pyproject.toml"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no lock or staging beside the output


def test_a_folder_with_no_project_is_cached_in_the_user_cache(tmp_path: Path, monkeypatch,
                                                              user_cache_folder: Path) -> None:
    bare = tmp_path / "bare" / "code"
    bare.mkdir(parents=True)
    (bare / "m.py").write_text('"""# Bare"""\nx = 1\n')
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    out = tmp_path / "out"
    assert main(["build", str(bare), "--out", str(out)]) == 0
    assert (out / "m.html").is_file() and not (out / "ja").exists()
    assert list(here.iterdir()) == [] and sorted(p.name for p in bare.parent.iterdir()) == ["code"]
    assert list(user_cache_folder.rglob("cache.sqlite"))
    assert main(["build", str(bare), "--out", str(out)]) == 0  # and it is used


def test_an_image_deleted_from_a_hidden_folder_is_reported_not_a_crash(tree: Path, tmp_path: Path) -> None:
    figures = tree / "pkg" / ".figures"
    figures.mkdir()
    (figures / "fig.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    source = tree / "pkg" / "sub" / "plain.py"
    source.write_text("# ![figure](../.figures/fig.svg)\n" + source.read_text())
    out = tmp_path / "html"
    build(load(tree, out=out))
    assert (out / ".figures" / "fig.svg").is_file()
    (figures / "fig.svg").unlink()
    report = build(load(tree, out=out))
    clean = build(load(tree, out=tmp_path / "clean"), use_cache=False)
    assert "pkg/sub/plain.py:1: broken image '../.figures/fig.svg': no such file" in [str(p) for p in report.problems]
    assert [str(p) for p in report.problems] == [str(p) for p in clean.problems]
    assert same_tree(tmp_path / "clean", out)


def test_renaming_a_root_title_renames_its_pages(tree: Path, tmp_path: Path) -> None:
    (tree / "pkg" / "__init__.py").write_text("VALUE = 1\n")  # no docstring: the home page takes the root's title
    settings = tree / "pyproject.toml"
    settings.write_text(settings.read_text().replace('dir = "pkg"', 'dir = "pkg"\ntitle = "Old name"'))
    out = tmp_path / "html"
    build(load(tree, out=out))
    settings.write_text(settings.read_text().replace("Old name", "New name"))
    build(load(tree, out=out))
    build(load(tree, out=tmp_path / "clean"), use_cache=False)
    assert same_tree(tmp_path / "clean", out)
    pages = "".join(p.read_text() for p in out.rglob("*.html")) + (out / "_search" / "en.js").read_text()
    assert "Old name" not in pages and "New name" in pages


SHAPES = ["[1,2]", "[1,2,3,4]", "5", "null", "{}", '"x"', '{"html": 5}', "not json"]


@pytest.mark.parametrize("value", SHAPES)
def test_an_entry_changed_in_place_is_a_miss_never_a_crash(tree: Path, tmp_path: Path, value: str) -> None:
    import sqlite3

    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=tmp_path / "html")
    build(config)
    with sqlite3.connect(config.cache) as db:  # as another version of site-gen, or a user with sqlite3, would
        db.execute("UPDATE entries SET value = ?", (value,))
    report = build(config)
    assert report.rendered == reference.rendered and report.formulas == reference.formulas
    assert same_tree(tmp_path / "reference", tmp_path / "html")
    assert build(config).rendered == 0  # the recomputed entries are good again


@pytest.mark.parametrize("value", [[1, 2], [1, 2, 3, 4], 5, {}, "x", {"html": 5}])
def test_an_entry_of_the_wrong_shape_is_a_miss_never_a_crash(tree: Path, tmp_path: Path, value) -> None:
    import sqlite3

    from site_gen.cache import Cache

    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=tmp_path / "html")
    build(config)
    cache = Cache(config.cache)
    kinds = [row for row in sqlite3.connect(config.cache).execute("SELECT kind, key FROM entries")
             if row[0] not in ("asset", "sitemap")]
    for kind, key in kinds:  # written by our own cache, so the checksums hold: only the shape is wrong
        cache.put(kind, key, value)
    cache.save()
    cache.close()
    report = build(config)
    assert report.rendered == reference.rendered
    assert same_tree(tmp_path / "reference", tmp_path / "html")


def test_an_internal_error_exits_2_not_1(tree: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import site_gen.build

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(site_gen.build, "build", broken)
    assert main(["build", str(tree), "--out", str(tmp_path / "html"), "--strict"]) == 2
    assert "internal error" in capsys.readouterr().err


def test_a_build_of_a_sub_folder_keeps_the_rest_of_the_projects_cache(tree: Path, tmp_path: Path) -> None:
    config = load(tree, out=tmp_path / "html")
    build(config)
    sub = next(p for p in (tree / "pkg").iterdir() if p.is_dir() and any(p.glob("*.py")))
    assert main(["build", str(sub), "--out", str(tmp_path / "part"), "--strict"]) in (0, 1)
    assert build(config).rendered == 0  # nothing the part did not consider was forgotten


def test_a_cache_damaged_in_the_middle_heals_after_one_build(tree: Path, tmp_path: Path) -> None:
    """Random bytes over a third of the way in: one build notes it once and drops the file, the next starts afresh."""
    import random

    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=tmp_path / "html")
    build(config)
    size = config.cache.stat().st_size
    with config.cache.open("r+b") as file:
        file.seek(size // 3)
        file.write(random.Random(0).randbytes(8192))
    shutil.rmtree(tmp_path / "html")  # so that the build reads every page from the cache, not from the old site
    damaged = build(config)
    assert len([note for note in damaged.notes if "cache" in note]) == 1
    assert same_tree(tmp_path / "reference", tmp_path / "html")
    healed = build(config)
    assert [note for note in healed.notes if "cache" in note] == []
    assert build(config).rendered == 0 and same_tree(tmp_path / "reference", tmp_path / "html")
    assert damaged.rendered <= reference.rendered


def test_a_folder_in_the_caches_place_is_a_note_not_a_crash(tree: Path, tmp_path: Path) -> None:
    reference = build(load(tree, out=tmp_path / "reference"), use_cache=False)
    config = load(tree, out=tmp_path / "html")
    config.cache.mkdir(parents=True)
    (config.cache / "keep.txt").write_text("mine")
    assert main(["build", str(tree), "--out", str(tmp_path / "cli")]) in (0, 1)
    report = build(config)
    assert any("cannot be deleted" in note for note in report.notes)
    assert report.rendered == reference.rendered and same_tree(tmp_path / "reference", tmp_path / "html")
    assert (config.cache / "keep.txt").read_text() == "mine"  # a folder we did not make is never deleted


def test_a_killed_build_keeps_most_of_what_it_put(tmp_path: Path) -> None:
    """No `save`, no `close`: as after kill -9, a second connection sees all but the last uncommitted few."""
    import sqlite3

    from site_gen.cache import Cache

    path = tmp_path / "cache.sqlite"
    cache = Cache(path)
    keys = [cache.key("page", str(i)) for i in range(1000)]
    for i, key in enumerate(keys):
        cache.put("page", key, {"html": f"page {i}"})
    with sqlite3.connect(path) as other:
        kept = other.execute("SELECT count(*) FROM entries").fetchone()[0]
    assert kept >= 800
    survivor = Cache(path)
    assert [survivor.get("page", key) for key in keys[:kept]] == [{"html": f"page {i}"} for i in range(kept)]
    cache.save()
    cache.close()
    assert sum(Cache(path).get("page", key) is not None for key in keys) == 1000


# Any JSON value: text with every code point but lone surrogates' halves joined (JSON cannot hold
# a pair split across values anyway), long enough to cross the encoder's megabyte slices
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(value=_json_values, filler=st.sampled_from([0, 2**20 - 1, 2**20 + 3]), wide=st.sampled_from(["", "é", "\ud800", "😀"]))
def test_a_stored_value_comes_back_equal(tmp_path_factory, value, filler: int, wide: str) -> None:
    from site_gen.cache import Cache

    # A character cut where the encoder slices its text would come back damaged
    big = ["a" * filler + wide * 3, value]
    cache = Cache(tmp_path_factory.mktemp("cache") / "cache.sqlite")
    cache.put("page", "k", big)
    cache.save()
    cache.close()
    again = Cache(cache.path)
    assert again.get("page", "k") == big
    again.close()


_lines = st.lists(st.integers(1, 10**6), max_size=5)
_text = st.text(max_size=20)


@settings(max_examples=50, deadline=None)
@given(sections=st.lists(st.builds(Section, _text, _lines, _lines), max_size=4), title=_text,
       names=st.none() | st.builds(ModuleNames, st.lists(st.lists(_text, max_size=3), max_size=3),
                                    st.lists(st.lists(_text | st.none(), max_size=3), max_size=3),
                                    st.lists(st.lists(_text | st.integers(), max_size=5), max_size=3),
                                    st.lists(_text, max_size=3)))
def test_a_document_is_stored_as_asdict_makes_it_and_comes_back_equal(sections, title: str, names) -> None:
    """Its sections apart, encoded, decoded when first used; its text as read, not packed (it stays in the build's process)."""
    from site_gen.cache import encode_value

    source = Source(PurePosixPath("a.py"), PurePosixPath("a.html"), PurePosixPath("a.py"), "python")
    document = Document(source, sections, title, title[::-1], pack("x = 1\n"), names)
    head, parts = json.loads(json.dumps(document.to_json()))
    assert head == json.loads(json.dumps(dict(title=title, summary=title[::-1], names=asdict(names) if names else None)))
    assert parts == json.loads(json.dumps([asdict(s) for s in sections]))
    found = Document.from_json(source, "x = 1\n", head, encode_value(parts))
    assert found.sections == sections and found.text == document.text
    assert replace(found, content="") == replace(document, content="")


def test_a_documents_sections_that_do_not_decode_stop_the_build_and_the_cache_goes(tree: Path, tmp_path: Path) -> None:
    """Decoded only when its page is rendered: sections some program wrote so, checksum and all, are found then."""
    import sqlite3

    from site_gen.cache import Cache, decode_value, encode_parts, encode_value
    from site_gen.write import BuildError

    out = tmp_path / "html"
    config = load(tree, out=out)
    first = build(config)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with sqlite3.connect(config.cache) as db:
        for kind, key, value in db.execute("SELECT kind, key, value FROM entries WHERE kind = 'document'").fetchall():
            head, _ = decode_value(value)
            forged = encode_parts(head, [encode_value([{"doc": "x", "no such field": 1}])])
            db.execute("UPDATE entries SET value = ?, sum = ? WHERE kind = ? AND key = ?",
                       (forged, Cache(None)._sum(kind, key, forged), kind, key))
    with pytest.raises(BuildError, match="sections do not decode"):
        build(config)  # a guide's sections, read for the reading order
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not config.cache.exists()
    again = build(config)
    assert again.cache_hits == 0 and again.problems == first.problems
    build(load(tree, out=tmp_path / "clean"), use_cache=False)
    assert same_tree(out, tmp_path / "clean")


@settings(max_examples=50, deadline=None)
@given(result=st.builds(PageResult, _text, st.lists(st.builds(Problem, _text, st.integers(0, 99), _text), max_size=3),
                        st.dictionaries(_text, _text, max_size=2),
                        st.dictionaries(st.integers(1, 99), st.lists(_text, max_size=2), max_size=2), _text,
                        st.lists(st.dictionaries(_text, _text, max_size=2), max_size=2), st.lists(_text, max_size=3)))
def test_a_pages_record_is_stored_as_asdict_makes_it_and_comes_back_equal(result: PageResult) -> None:
    """Its search sections and ids as the build holds them, packed; the rest as `asdict` makes it."""
    stored = json.loads(json.dumps(produce._to_json(result, "hash")))
    assert stored == json.loads(json.dumps({**asdict(result), "html": "hash"}))
    packs = produce.packed([produce.compact_json(section) for section in result.search]), produce.packed(result.ids)
    from site_gen.cache import decode_value

    stored = decode_value(produce._record(replace(result, search=[], ids=[]), "hash", packs))
    assert produce._from_stored(stored) == (replace(result, html="hash", search=[], ids=[]), packs)
    assert [json.loads(line) for line in produce.unpacked(packs[0])] == result.search


@settings(max_examples=60, deadline=None)
@given(text=st.text(), value=_json_values)
def test_a_stored_text_comes_back_equal_beside_json_values(tmp_path_factory, text: str, value) -> None:
    """A page's HTML is stored as its UTF-8 (`encode_text`): it comes back the same `str`, and a JSON value as itself."""
    from site_gen.cache import Cache, encode_text

    cache = Cache(tmp_path_factory.mktemp("cache") / "cache.sqlite")
    cache.put_encoded("html", "k", encode_text(text.encode("utf-8", "surrogatepass")))
    cache.put("html", "j", value)
    cache.save()
    cache.close()
    again = Cache(cache.path)
    assert again.get("html", "k") == text and again.get("html", "j") == value
    again.close()


@settings(max_examples=60, deadline=None)
@given(value=_json_values, parts=st.lists(st.binary(max_size=300), max_size=3), filler=st.sampled_from([0, 5000]))
def test_a_value_stored_beside_bytes_comes_back_equal(tmp_path_factory, value, parts: list[bytes], filler: int) -> None:
    """`encode_parts`: the bytes as they are, the value (compressed when long) as itself; cut short, a miss."""
    from site_gen.cache import Cache, encode_parts

    value = ["x" * filler, value]
    stored = encode_parts(value, parts)
    cache = Cache(tmp_path_factory.mktemp("cache") / "cache.sqlite")
    cache.put_encoded("page", "k", stored)
    cache.put_encoded("page", "short", stored[:-1])
    cache.save()
    cache.close()
    again = Cache(cache.path)
    assert again.get("page", "k") == (value, parts)
    assert again.get("page", "short") is None  # its checksum matches: the parts say it is cut short
    again.close()


def test_a_record_whose_packs_do_not_unpack_stops_the_build_and_the_cache_goes(tree: Path, tmp_path: Path) -> None:
    """
    A record's packs are taken on its checksum's word: one that some program wrote
    so, checksum and all, stops the build with a message (the old site untouched),
    and the next build starts a new cache and builds the site as a clean build does.
    """
    import sqlite3

    from site_gen.cache import Cache, decode_value, encode_parts
    from site_gen.write import BuildError

    out = tmp_path / "html"
    config = load(tree, out=out)
    first = build(config)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with sqlite3.connect(config.cache) as db:
        kind, key, value = db.execute("SELECT kind, key, value FROM entries WHERE kind = 'page' LIMIT 1").fetchone()
        data, packs = decode_value(value)
        forged = encode_parts(data, [b"not zlib", packs[1]])
        db.execute("UPDATE entries SET value = ?, sum = ? WHERE kind = ? AND key = ?",
                   (forged, Cache(None)._sum(kind, key, forged), kind, key))
    with pytest.raises(BuildError, match="do not unpack.*it is deleted: build again"):
        build(config)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not config.cache.exists()
    again = build(config)
    assert again.problems == first.problems and again.cache_hits == 0
    build(load(tree, out=tmp_path / "clean"), use_cache=False)
    assert same_tree(out, tmp_path / "clean")


def test_a_damaged_cache_that_cannot_be_deleted_is_named_with_the_way_out(tree: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """On a read-only disk the message says so, and how to build: never \"deleted\" when it is not."""
    import sqlite3

    from site_gen.cache import Cache, decode_value, encode_parts
    from site_gen.write import BuildError

    config = load(tree, out=tmp_path / "html")
    build(config)
    with sqlite3.connect(config.cache) as db:
        kind, key, value = db.execute("SELECT kind, key, value FROM entries WHERE kind = 'page' LIMIT 1").fetchone()
        forged = encode_parts(decode_value(value)[0], [b"not zlib", b""])
        db.execute("UPDATE entries SET value = ?, sum = ? WHERE kind = ? AND key = ?",
                   (forged, Cache(None)._sum(kind, key, forged), kind, key))
    unlink = Path.unlink

    def read_only(path: Path, missing_ok: bool = False) -> None:
        if str(path).startswith(str(config.cache)):
            raise OSError(30, "Read-only file system", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", read_only)
    with pytest.raises(BuildError, match="cannot be deleted.*Read-only file system.*delete it, or build with --no-cache"):
        build(config)
    assert config.cache.exists()


@settings(max_examples=25, deadline=None)
@given(stored=st.dictionaries(st.text(max_size=4), _json_values, max_size=20),
       asked=st.lists(st.text(max_size=4), max_size=30), spread=st.sampled_from([1, 950, 2000]))
def test_entries_read_many_at_a_time_are_those_read_one_by_one(tmp_path_factory, stored: dict, asked: list[str],
                                                               spread: int) -> None:
    """`get_many`: the same values, hits and misses as `get` of each key, across its queries' chunks of keys."""
    from site_gen.cache import Cache

    cache = Cache(tmp_path_factory.mktemp("cache") / "cache.sqlite")
    for key, value in stored.items():
        cache.put("page", key, value)
    cache.put("html", next(iter(stored), "x"), "another kind, the same key")
    cache.save()
    keys = [key for key in asked for _ in range(spread // 950 + 1)] + [f"absent {i}" for i in range(spread)]
    many = Cache(cache.path)
    found = many.get_many("page", keys, [lambda value: value] * len(keys))
    one = Cache(cache.path)
    assert found == [one.get("page", key) for key in keys]
    assert (many.hits, many.misses) == (one.hits, one.misses)


@pytest.mark.parametrize("stored", [
    b"\x01" * 3000,  # parts within parts within parts...
    b"\x01" + (3000).to_bytes(4, "big") + b"[" * 3000,  # a value in parts, nested past any recursion limit
    b"[" * 100_000 + b"]" * 100_000,
])
def test_a_value_nested_without_end_is_a_miss_with_a_note(tmp_path: Path, stored: bytes) -> None:
    """Written so on purpose, checksum and all: a miss noted once, never a RecursionError."""
    from site_gen.cache import Cache

    cache = Cache(tmp_path / "cache.sqlite")
    cache.put_encoded("formula", "k", stored)
    cache.save()
    assert cache.get("formula", "k") is None
    assert cache.get_many("formula", ["k"], [lambda value: value]) == [None]
    assert cache.all("formula") == {}
    assert all("damaged formula entry" in note for note in cache.notes) and cache.notes


@pytest.mark.parametrize("sections", [[{"doc": 5, "doc_lines": [], "code_lines": []}],
                                      [{"doc": "x", "doc_lines": ["1"], "code_lines": []}],
                                      [{"doc": "x", "doc_lines": [], "code_lines": [None]}], [{"doc": "x"}, 3], "text"])
def test_a_documents_sections_of_the_wrong_shape_are_damage_not_a_crash(sections) -> None:
    """Found when the page is rendered: `DamagedEntry` (the build's one message), not a `TypeError` deep in rendering."""
    from site_gen.cache import DamagedEntry, encode_value

    source = Source(PurePosixPath("a.py"), PurePosixPath("a.html"), PurePosixPath("a.py"), "python")
    document = Document.from_json(source, "x = 1\n", {"title": "A", "summary": "", "names": None}, encode_value(sections))
    with pytest.raises(DamagedEntry):
        document.sections


def test_a_formula_only_a_summary_shows_stays_in_the_cache_while_its_pages_do(tree: Path, tmp_path: Path) -> None:
    """Shown by the page's description and its folder's listing, from the cache or not: never rendered anew by an edit elsewhere."""
    model = tree / "pkg" / "model.py"
    model.write_text(model.read_text().replace("summary: Front matter gives", "summary: With $\\sqrt{\\alpha_t}$, front matter gives"))
    config = load(tree, out=tmp_path / "html")
    build(config)
    other = tree / "pkg" / "__init__.py"  # the folder's index, whose listing shows the summary
    for i in range(3):
        other.write_text(other.read_text() + f"\n# Edit {i}.\n")
        assert build(config).formulas == 0  # none sent to KaTeX: every formula came from the cache
    build(load(tree, out=tmp_path / "clean"), use_cache=False)
    assert same_tree(tmp_path / "html", tmp_path / "clean")
