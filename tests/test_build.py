"""Whole builds of a fixture tree that exercises every rule of the generator."""

from __future__ import annotations

import filecmp
import os
import shutil
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_gen import write as write_module
from site_gen.build import BuildError, build
from site_gen.cli import main
from site_gen.config import load

FIXTURE = Path(__file__).parent / "fixtures" / "tree"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def built(root: Path, out: Path):
    report = build(load(root, out=out))
    return report, {p.relative_to(out).as_posix(): p.read_text("utf-8") for p in out.rglob("*.html")}


def test_every_page_is_built_with_its_metadata(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    report, pages = built(tree, out)
    assert sorted(pages) == ["index.html", "model.html", "readme.html", "sub/index.html", "sub/plain.html"]
    model = pages["model.html"]
    assert "<title>The model &amp; its update · Fixture site</title>" in model
    assert '<meta name="description" content="Front matter gives the title and the meta description.">' in model
    assert '<meta property="og:title" content="The model &amp; its update">' in model
    assert '<link rel="canonical" href="https://fixture.example.org/docs/model.html">' in model
    assert "<title>Sub-package · Fixture site</title>" in pages["sub/index.html"]
    assert "<title>plain · Fixture site</title>" in pages["sub/plain.html"]
    assert report.pages == 5


def test_code_keeps_source_line_numbers_and_links_to_them(tree: Path, tmp_path: Path) -> None:
    _, pages = built(tree, tmp_path / "html")
    model = pages["model.html"]
    source = (tree / "pkg" / "model.py").read_text().split("\n")
    def_line = source.index("def update(theta, alpha, g):") + 1
    assert f'<span class="line" id="L{def_line}">' in model
    assert 'href="https://git.example.org/team/fixture/blob/trunk/pkg/model.py"' in model
    # the docstring's section shows only the `def` line; the comment's section the `return`
    assert f'href="https://git.example.org/team/fixture/blob/trunk/pkg/model.py#L{def_line}"' in model
    return_line = source.index("    return theta - alpha * g") + 1
    # its range leaves out the blank lines after it, which stay in the page (hidden) with their ids
    assert f'href="https://git.example.org/team/fixture/blob/trunk/pkg/model.py#L{return_line}"' in model
    blank = [n for n in (return_line + 1, return_line + 2) if source[n - 1] == ""]  # the two blank lines after it
    assert len(blank) == 2 and all(f'<span class="line edge" id="L{n}">' in model for n in blank)


def test_links_are_rewritten_and_files_copied(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    _, pages = built(tree, out)
    home = pages["index.html"]
    assert 'href="model.html"' in home and 'href="sub/index.html"' in home and 'href="readme.html"' in home
    assert 'href="model.html#update"' in pages["readme.html"]
    assert 'src="plot.svg"' in pages["model.html"] and (out / "plot.svg").is_file()
    assert '<a href="index.html">__init__.py</a>' in pages["model.html"]


def test_broken_links_and_latex_errors_are_reported_with_lines(tree: Path, tmp_path: Path) -> None:
    report, pages = built(tree, tmp_path / "html")
    messages = [str(p) for p in report.problems]
    assert messages == [
        "pkg/model.py:10: broken link '../../../etc/passwd': points outside the source folders",
        "pkg/model.py:10: broken link 'missing.py': no such file",
        "pkg/model.py:25: LaTeX error: Unexpected end of input in a macro argument, expected '}' at end of input: \\frac{a",
        "pkg/readme.md:5: broken link 'model.py#nowhere': no anchor '#nowhere' on model.html",
    ]
    assert 'class="math-error"' in pages["model.html"]


def test_sections_have_stable_anchors_and_a_contents(tree: Path, tmp_path: Path) -> None:
    _, pages = built(tree, tmp_path / "html")
    model = pages["model.html"]
    assert '<section class="row" id="update">' in model
    assert '<section class="row" id="step">' in model
    assert 'id="section-4"' in model
    assert model.count('id="update"') == 1  # the section carries the anchor, not its heading too
    assert '<a href="#update">Update</a>' in model and '<a href="#step">Step</a>' in model


def test_breadcrumbs_and_home_listing(tree: Path, tmp_path: Path) -> None:
    _, pages = built(tree, tmp_path / "html")
    plain = pages["sub/plain.html"]
    assert '<a href="../index.html">Home</a>' in plain and '<a href="index.html">Sub-package</a>' in plain
    home = pages["index.html"]
    assert "The model &amp; its update</a>: Front matter gives the title" in home
    assert 'href="sub/plain.html"' in home


def test_sitemap_lists_every_page(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    built(tree, out)
    root = ET.parse(out / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = sorted(loc.text for loc in root.findall("s:url/s:loc", ns))
    base = "https://fixture.example.org/docs/"
    assert locs == [base, base + "model.html", base + "readme.html", base + "sub/", base + "sub/plain.html"]


def test_builds_are_byte_identical(tree: Path, tmp_path: Path) -> None:
    build(load(tree, out=tmp_path / "a"))
    build(load(tree, out=tmp_path / "b"))
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    files = [p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(files)
    assert not comparison.left_only and not comparison.right_only


def test_strict_turns_problems_into_an_exit_code(tree: Path, tmp_path: Path, capsys) -> None:
    assert main(["build", "--root", str(tree), "--out", str(tmp_path / "a")]) == 0
    assert main(["build", "--root", str(tree), "--out", str(tmp_path / "b"), "--strict"]) == 1
    assert "pkg/model.py:10: broken link" in capsys.readouterr().err


def test_refuses_to_replace_a_folder_it_did_not_write(tree: Path, tmp_path: Path, capsys) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    assert main(["build", "--root", str(tree), "--out", str(precious)]) == 2
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert "not written by site-gen" in capsys.readouterr().err


def test_refuses_an_output_folder_that_holds_the_sources(tree: Path) -> None:
    with pytest.raises(BuildError, match="contains the sources"):
        build(load(tree, out=tree))


def test_output_inside_the_sources_is_not_read_as_source(tree: Path) -> None:
    out = tree / "pkg" / "site"
    build(load(tree, out=out))
    report = build(load(tree, out=out))
    assert report.pages == 5


def test_an_interrupted_build_leaves_the_previous_site_intact(tree: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tree / "pkg" / "model.py").write_text('"""# Changed"""\n')
    written = []
    import site_gen.write

    real_write = site_gen.write._link_or_write

    def failing_write(old: str | None, data: bytes, target: str) -> None:
        written.append(target)
        if len(written) > 1:  # one page written, then the build dies
            raise KeyboardInterrupt
        real_write(old, data, target)

    monkeypatch.setattr(site_gen.write, "_link_or_write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        build(load(tree, out=out))
    monkeypatch.undo()
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("failure", [RuntimeError("a bug in one page"), KeyboardInterrupt()])
def test_a_build_that_fails_mid_stream_leaves_the_previous_site_and_nothing_half_written(
        tree: Path, tmp_path: Path, monkeypatch, failure: BaseException) -> None:
    from site_gen.render import Site

    out = tmp_path / "html"
    build(load(tree, out=out))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    settings = tree / "pyproject.toml"
    settings.write_text(settings.read_text().replace("Fixture site", "Renamed site"))  # every page changes
    rendered = []
    real_render = Site.render_page

    def failing_render(self: Site, task):
        if rendered:  # the first page is written to the staging folder; the second fails
            assert any(p.suffix == ".html" for p in (tmp_path / ".html.new").rglob("*")), "nothing streamed yet"
            raise failure
        rendered.append(task.url)
        return real_render(self, task)

    monkeypatch.setattr(Site, "render_page", failing_render)
    with pytest.raises(type(failure)):
        build(load(tree, out=out), jobs=1, use_cache=False)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", "project"]  # no staging folder left


def test_a_killed_swap_is_recovered(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    out.rename(tmp_path / ".html.old")  # as if killed between the two renames
    write_module._recover(out)
    assert (out / "model.html").is_file()


def test_builds_a_stdlib_package(tmp_path: Path) -> None:
    package = Path(sysconfig.get_paths()["stdlib"]) / "json"
    report = build(load(tmp_path, source=package, out=tmp_path / "out"))
    assert report.pages == len(list(package.rglob("*.py")))
    assert (tmp_path / "out" / "decoder.html").is_file()


@pytest.mark.parametrize("font", ["missing", "damaged"])
def test_without_a_usable_math_font_the_build_says_so_and_pages_ask_for_the_readers(tree: Path, tmp_path: Path,
                                                                                  monkeypatch, font: str) -> None:
    from site_gen import assets

    path = tmp_path / "latinmodern-math.otf"
    if font == "damaged":
        path.write_bytes(b"OTTO not really a font")
    monkeypatch.setattr(assets, "MATH_FONT_CANDIDATES", [path])
    report = build(load(tree, out=tmp_path / "html"))
    assert any("fonts-lmodern" in note or "not a usable math font" in note for note in report.notes)
    assert not (tmp_path / "html" / assets.MATH_FONT).exists()
    css = (tmp_path / "html" / "_static" / "site.css").read_text()
    assert "@font-face" not in css and '"Latin Modern Math", math' in css  # the reader's `math` font
    assert "<math" in (tmp_path / "html" / "model.html").read_text()


def test_pages_ship_a_math_font_whose_math_table_survives_subsetting(tree: Path, tmp_path: Path) -> None:
    """The font is an OpenType MATH font cut to what formulas use, with stretchy delimiters and large operators."""
    import io

    from fontTools.ttLib import TTFont

    from site_gen import assets

    if not any(path.is_file() for path in assets.MATH_FONT_CANDIDATES):
        pytest.skip("Debian's fonts-lmodern is not installed")
    build(load(tree, out=tmp_path / "html"))
    data = (tmp_path / "html" / assets.MATH_FONT).read_bytes()
    assert data[:4] == b"wOF2" and len(data) < 300_000
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "xθ∑∫√(){}[]|‖⟨⟩ˆ˜→") and 0x1D465 in cmap  # 𝑥: the browser's italic x
    variants = font["MATH"].table.MathVariants
    vertical = set(variants.VertGlyphCoverage.glyphs)
    assert {cmap[ord(c)] for c in "(∑√{"} <= vertical  # grow with what they enclose
    assert font["MATH"].table.MathConstants.SubscriptShiftDown.Value == assets.TEX_SCRIPTS["SubscriptShiftDown"]
    assert "@font-face" in (tmp_path / "html" / "_static" / "site.css").read_text()


def test_the_math_font_is_subset_once_per_machine_not_once_per_build(tree: Path, tmp_path: Path, monkeypatch) -> None:
    """Subsetting takes seconds and depends only on the installed font: builds, with or without a cache, share it."""
    from site_gen import assets

    if not any(path.is_file() for path in assets.MATH_FONT_CANDIDATES):
        pytest.skip("Debian's fonts-lmodern is not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh-user-cache"))
    calls = []
    subset = assets.subset_math_font
    monkeypatch.setattr(assets, "subset_math_font", lambda original: calls.append(1) or subset(original))
    build(load(tree, out=tmp_path / "first"))
    build(load(tree, out=tmp_path / "second"), use_cache=False)
    assert len(calls) == 1
    assert (tmp_path / "first" / assets.MATH_FONT).read_bytes() == (tmp_path / "second" / assets.MATH_FONT).read_bytes()
    # Another font (an update of the package) is subset anew, never served from the old one's file
    other = tmp_path / "other-math.otf"
    other.write_bytes(next(p for p in assets.MATH_FONT_CANDIDATES if p.is_file()).read_bytes() + b"\0")
    monkeypatch.setattr(assets, "MATH_FONT_CANDIDATES", [other])
    build(load(tree, out=tmp_path / "third"), use_cache=False)
    assert len(calls) == 2


def test_a_build_with_a_cache_finds_the_subset_font_without_reading_the_original(tree: Path, tmp_path: Path,
                                                                                   monkeypatch) -> None:
    """The kept subset's name is remembered by the font's size and time: a font replaced in place is read anew."""
    from site_gen import assets

    original = next((path for path in assets.MATH_FONT_CANDIDATES if path.is_file()), None)
    if original is None:
        pytest.skip("Debian's fonts-lmodern is not installed")
    font = tmp_path / "latinmodern-math.otf"
    font.write_bytes(original.read_bytes())
    monkeypatch.setattr(assets, "MATH_FONT_CANDIDATES", [font])
    reads = []
    version = assets._fonttools_version
    monkeypatch.setattr(assets, "_fonttools_version", lambda: reads.append(1) or version())
    build(load(tree, out=tmp_path / "first"))
    build(load(tree, out=tmp_path / "second"))
    assert len(reads) == 1
    assert (tmp_path / "second" / assets.MATH_FONT).read_bytes() == (tmp_path / "first" / assets.MATH_FONT).read_bytes()
    # The same font rewritten (a package update that keeps the size): its time differs, so it is read again
    font.write_bytes(font.read_bytes())
    os.utime(font, ns=(font.stat().st_atime_ns, font.stat().st_mtime_ns + 10**9))
    build(load(tree, out=tmp_path / "third"))
    assert len(reads) == 2


def test_the_katex_version_matches_the_renderer() -> None:
    import pykatex

    from site_gen.assets import KATEX_VERSION

    # pykatex embeds KaTeX; its rendering of \KaTeX is not versioned, so compare with its documentation
    from importlib.metadata import metadata

    assert f"KaTeX v{KATEX_VERSION}" in metadata("pykatex")["Description"]
    assert pykatex.renderToString("x")


def test_the_site_tree_marks_each_page_itself_wherever_it_sits(tmp_path: Path) -> None:
    """The pages at the top of the tree are made once for the pages not among them: never with another's mark."""
    source = tmp_path / "src"
    for name in ["a.py", "b.py", "c.py", "sub/__init__.py", "sub/d.py", "sub/deeper/e.py"]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(f'"""# {name}"""\nx = 1\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(source), "--out", str(out), "--root", str(tmp_path), "--no-cache"]) == 0
    pages = sorted(p for p in out.rglob("*.html") if p.name != "index.html" or p.parent != out)
    assert len(pages) >= 6
    for page in pages:
        nav = page.read_text("utf-8").split('<nav class="site-tree"', 1)[1].split("</nav>", 1)[0]
        assert nav.count('aria-current="page"') == 1, page
        current = nav.split('aria-current="page"', 1)[0].rsplit("<a ", 1)[1]
        assert f'href="{page.name}"' in current, page
