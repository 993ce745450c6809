"""
A build with nothing to do (`stamp`): it must be recognised without reading
or rendering anything, and it must never hide a change. Each test builds,
changes one thing (or only seems to), builds again, and checks that the
output folder matches what a full build makes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from site_gen.cli import main

from conftest import FIXTURE, ROOT


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def _build(tree: Path, capsys: pytest.CaptureFixture, *extra: str) -> str:
    assert main(["build", "--root", str(tree), *extra]) == 0
    return capsys.readouterr().out


def _site(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _fresh(tree: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a full build without any cache makes of the tree as it is now."""
    out = tmp_path / "fresh"
    shutil.rmtree(out, ignore_errors=True)
    assert main(["build", "--root", str(tree), "--out", str(out), "--no-cache"]) == 0
    return _site(out)


def test_second_build_does_nothing_and_says_so(tree: Path, capsys: pytest.CaptureFixture) -> None:
    first = _build(tree, capsys)
    assert "built" in first
    before = _site(tree / "html")
    assert "nothing changed" in _build(tree, capsys)
    assert _site(tree / "html") == before


def test_nothing_to_do_imports_no_renderer(tree: Path) -> None:
    command = [sys.executable, "-c", "import sys; from site_gen.cli import main; code = main(sys.argv[1:]); "
               "print(sorted(m for m in ('markdown', 'pygments', 'jinja2', 'pykatex', 'nh3') if m in sys.modules))",
               "build", "--root", str(tree)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, env=env, check=True, capture_output=True)
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "nothing changed" in done.stdout
    assert done.stdout.strip().endswith("[]")


def test_warnings_of_the_last_build_are_shown_again(tree: Path, capsys: pytest.CaptureFixture) -> None:
    source = next((tree / "pkg").rglob("*.py"))
    source.write_text(source.read_text() + "\n# An unmatched $\\alpha sign\n")
    assert main(["build", "--root", str(tree)]) == 0
    first = capsys.readouterr().err
    assert "unmatched" in first
    assert main(["build", "--root", str(tree), "--strict"]) == 1
    captured = capsys.readouterr()
    assert "nothing changed" in captured.out
    assert captured.err == first


def test_an_edit_is_built(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    source = next((tree / "pkg").rglob("*.py"))
    source.write_text(source.read_text() + "\n# A new closing remark.\n")
    assert "nothing changed" not in _build(tree, capsys)
    assert "A new closing remark" in "".join(p.read_text() for p in (tree / "html").rglob("*.html"))
    assert _site(tree / "html") == _fresh(tree, tmp_path)


def test_a_touch_alone_is_not_an_edit(tree: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    for path in (tree / "pkg").rglob("*.py"):
        os.utime(path)
    assert "nothing changed" in _build(tree, capsys)


def test_an_edit_that_keeps_size_and_time_right_after_a_build_is_built(tree: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """Within one clock tick an edit can leave both size and time as they were: recent times are not trusted."""
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text())  # written just now, as by an editor a moment before the build
    _build(tree, capsys)
    before = source.stat()
    text = source.read_text()
    source.write_text(text[:-2] + ("Z" if text[-2] != "Z" else "Y") + text[-1])
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_size == before.st_size
    assert "nothing changed" not in _build(tree, capsys)
    assert _site(tree / "html") == _fresh(tree, tmp_path)


def test_an_edit_build_takes_the_pages_it_keeps_without_reading_them(tree: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp knows each page's hash and how the file looked after the build: unchanged, it is not read."""
    _build(tree, capsys)
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or real(path))
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text() + "\n# A new closing remark.\n")
    _build(tree, capsys)
    pages = {p for p in read if p.suffix == ".html" and (tree / "html") in p.parents}
    assert all(p.name == "model.html" for p in pages)  # at most the edited pages, compared before writing
    assert len(list((tree / "html").rglob("*.html"))) > 2  # pages were kept
    monkeypatch.undo()
    assert _site(tree / "html") == _fresh(tree, tmp_path)


def test_a_page_edited_by_hand_keeping_size_and_time_is_written_again(tree: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    """Its status-change time moved, which no program can set back: the page is read, found changed, rewritten."""
    _build(tree, capsys)
    page = tree / "html" / "readme.html"
    before, data = page.stat(), page.read_bytes()
    page.write_bytes(data.replace(b"<", b"(", 1))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text() + "\n# A new closing remark.\n")  # not a build with nothing to do
    _build(tree, capsys)
    assert page.read_bytes() == data
    assert _site(tree / "html") == _fresh(tree, tmp_path)


@pytest.mark.parametrize("damage", ["edit", "delete", "add"])
def test_a_damaged_output_folder_is_rebuilt(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                            damage: str) -> None:
    _build(tree, capsys)
    page = next((tree / "html").rglob("*.html"))
    if damage == "edit":
        page.write_text("changed by hand")
    elif damage == "delete":
        page.unlink()
    else:
        (tree / "html" / "stray.html").write_text("not ours")
    assert "nothing changed" not in _build(tree, capsys)
    assert _site(tree / "html") == _fresh(tree, tmp_path)


def test_changed_settings_are_built(tree: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    settings = tree / "pyproject.toml"
    settings.write_text(settings.read_text().replace("Fixture site", "Renamed site"))
    assert "nothing changed" not in _build(tree, capsys)
    assert "Renamed site" in (tree / "html" / "index.html").read_text()


def test_a_damaged_cache_is_noticed(tree: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    cache = tree / ".site_gen_cache" / "cache.sqlite"
    with sqlite3.connect(cache) as db:
        db.execute("DELETE FROM entries")
    db.close()
    assert "nothing changed" not in _build(tree, capsys)


def test_no_cache_always_builds(tree: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    assert "nothing changed" not in _build(tree, capsys, "--no-cache")


def test_a_damaged_stamp_means_a_full_build(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _build(tree, capsys)
    (tree / ".site_gen_cache" / "last-build.json").write_text("{not json")
    assert "nothing changed" not in _build(tree, capsys)
    assert "nothing changed" in _build(tree, capsys)


def test_an_edit_that_keeps_size_and_an_old_time_is_built(tree: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    """A time set back by hand (`touch -d`, an archive, a careless tool) cannot hide an edit: `ctime` still moves."""
    source = tree / "pkg" / "model.py"
    long_ago = 1_600_000_000_000_000_000
    os.utime(source, ns=(long_ago, long_ago))
    _build(tree, capsys)
    text = source.read_text()
    source.write_text(text[:-2] + ("Z" if text[-2] != "Z" else "Y") + text[-1])
    os.utime(source, ns=(long_ago, long_ago))
    assert "nothing changed" not in _build(tree, capsys)
    assert _site(tree / "html") == _fresh(tree, tmp_path)


@pytest.mark.parametrize("damage", [{"inputs": {"x": 5}}, {"outputs": {"x": ["a", 1, 2]}}, {"hashes": []},
                                    {"report": None}, {"inputs": []}, {"report": {"pages": 1}},
                                    {"report": {"pages": 1, "outputs": 2, "notes": [], "problems": [3]}}])
def test_a_stamp_of_the_wrong_shape_means_a_full_build(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                       damage: dict) -> None:
    import json

    _build(tree, capsys)
    path = tree / ".site_gen_cache" / "last-build.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **damage}))
    assert "nothing changed" not in _build(tree, capsys)
    assert _site(tree / "html") == _fresh(tree, tmp_path)
    assert "nothing changed" in _build(tree, capsys)


@pytest.mark.parametrize("swap", ["file to link", "link to file"])
def test_a_source_swapped_with_a_symbolic_link_is_built(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                        swap: str) -> None:
    """Discovery skips linked sources, so a link in a file's place (or back) changes the site though the text is the same."""
    source = tree / "pkg" / "model.py"
    elsewhere = tmp_path / "elsewhere" / "model.py"
    elsewhere.parent.mkdir()
    if swap == "link to file":
        shutil.move(source, elsewhere)
        source.symlink_to(elsewhere)
    _build(tree, capsys)
    if swap == "file to link":
        shutil.move(source, elsewhere)
        source.symlink_to(elsewhere)
    else:
        source.unlink()
        shutil.move(elsewhere, source)
    assert "nothing changed" not in _build(tree, capsys)
    assert _site(tree / "html") == _fresh(tree, tmp_path)


@pytest.mark.parametrize("change", ["installed", "removed"])
def test_math_font_installed_or_removed_is_built(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """The math font lives outside the project, yet whether it is there decides the site's font and stylesheet."""
    from site_gen import assets, math_files

    installed = next((path for path in math_files.MATH_FONT_CANDIDATES if path.is_file()), None)
    if installed is None:
        pytest.skip("Debian's fonts-lmodern is not installed")
    font = tmp_path / "fonts" / "latinmodern-math.otf"
    font.parent.mkdir()
    for module in (assets, math_files):  # where the build looks and what the stamp watches
        monkeypatch.setattr(module, "MATH_FONT_CANDIDATES", [font])
    if change == "removed":
        font.write_bytes(installed.read_bytes())
    _build(tree, capsys)
    if change == "installed":
        font.write_bytes(installed.read_bytes())
    else:
        font.unlink()
    assert "nothing changed" not in _build(tree, capsys)
    site = _site(tree / "html")
    assert (str(assets.MATH_FONT) in site) == (change == "installed")
    assert site == _fresh(tree, tmp_path)


def test_an_upgraded_tool_is_noticed_by_any_file_of_its_package(tree: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade may rewrite only a compiled module beside a stub `__init__.py` (as nh3's)."""
    from site_gen import stamp

    package = tmp_path / "installed" / "renderer"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .renderer import *\n")
    (package / "renderer.abi3.so").write_bytes(b"version 1")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setattr(stamp, "_TOOLS", (*stamp._TOOLS, "renderer"))
    _build(tree, capsys)
    assert "nothing changed" in _build(tree, capsys)
    (package / "renderer.abi3.so").write_bytes(b"version 2, larger")
    assert "nothing changed" not in _build(tree, capsys)


def test_an_edit_build_finds_the_caches_salt_in_the_stamp(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The versions of the tools and the hash of our code are not looked up again while their files stay."""
    from site_gen import cache

    _build(tree, capsys)
    looked_up = []
    real = cache.tool_versions
    monkeypatch.setattr(cache, "tool_versions", lambda: looked_up.append(1) or real())
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text() + "\n# A new closing remark.\n")
    assert "nothing changed" not in _build(tree, capsys)
    assert looked_up == []
    assert _site(tree / "html") == _fresh(tree, tmp_path)


def test_the_tools_fingerprint_follows_their_files_and_distrusts_recent_ones() -> None:
    from site_gen import stamp

    ours = str(stamp._OWN_CODE / "cache.py")
    inputs = {ours: [100, 10**18, 10**18, 0], "/project/pkg/model.py": [5, 10**18, 10**18, 0]}
    later = 10**18 + 10 * stamp._RACY_NS
    fingerprint = stamp.tools_fingerprint(inputs, later)
    assert fingerprint is not None
    assert stamp.tools_fingerprint({**inputs, "/project/pkg/model.py": [6, 1, 1, 0]}, later) == fingerprint
    assert stamp.tools_fingerprint({**inputs, ours: [101, 10**18, 10**18, 0]}, later) != fingerprint
    beside = str(stamp._OWN_CODE) + "_old/cache.py"  # not in the folder
    assert stamp.tools_fingerprint({**inputs, beside: [1, 1, 1, 0]}, later) == fingerprint
    assert stamp.tools_fingerprint({**inputs, str(stamp._OWN_CODE / "new.py"): [1, 1, 1, 0]}, later) != fingerprint
    assert stamp.tools_fingerprint(inputs, 10**18 + stamp._RACY_NS // 2) is None  # changed too recently


@pytest.mark.parametrize("front_matter, warned", [("title: A model\nsummary: Small.", False),
                                                  ("title: [unclosed", True), ("- a list", True)])
def test_front_matter_is_remembered_by_its_text(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                front_matter: str, warned: bool) -> None:
    """A page edited below its front matter is read without PyYAML: the same title, summary and warnings."""
    source = tree / "pkg" / "model.py"
    text = source.read_text()
    assert text.startswith('"""')
    source.write_text(f'"""\n---\n{front_matter}\n---\n' + text[3:])
    command = [sys.executable, "-c", "import sys; from site_gen.cli import main; code = main(sys.argv[1:]); "
               "print('yaml' in sys.modules)", "build", "--root", str(tree)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    source.write_text(source.read_text() + "\n# A new closing remark.\n")
    edited = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert edited.stdout.strip().endswith("False")
    warnings = [line for line in edited.stderr.splitlines() if "front matter" in line]
    assert bool(warnings) == warned and warnings == [line for line in first.stderr.splitlines() if "front matter" in line]
    assert main(["build", "--root", str(tree), "--out", str(tmp_path / "fresh"), "--no-cache"]) == 0
    assert [line for line in capsys.readouterr().err.splitlines() if "front matter" in line] == warnings
    assert _site(tree / "html") == _site(tmp_path / "fresh")


def test_prose_edited_around_a_known_formula_needs_no_pylatexenc(tree: Path, tmp_path: Path) -> None:
    """A formula's words for the search index come back with it from the cache: the edit build reads no LaTeX."""
    source = tree / "pkg" / "model.py"
    extra = tree / "pkg" / "extra.py"  # numbered equations (their annotation reads `align*`), a formula in a summary
    extra.write_text("# Two steps:\n#\n# $$\\begin{align}\n# a &= b \\label{first} \\\\\n# c &= d\n# \\end{align}$$\n"
                     "#\n# and $\\eqref{first}$.\nx = 1\n\n\nclass Gamma:\n    r\"\"\"Scales by $\\gamma_t^2$.\"\"\"\n")
    command = [sys.executable, "-c", "import sys; from site_gen.cli import main; code = main(sys.argv[1:]); "
               "print('pylatexenc' in sys.modules)", "build", "--root", str(tree)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert first.stdout.strip().endswith("True")
    text = source.read_text()
    assert "# The same formula again: $\\theta_t" in text
    source.write_text(text.replace("# The same formula again:", "# Once more, the same formula:"))
    extra.write_text(extra.read_text().replace("# Two steps:", "# Two steps, in order:") + "y = 2\n")
    edited = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert edited.stdout.strip().endswith("False"), edited.stderr
    assert "Once more, the same formula: θₜ = θₜ₋₁ - αgₜ." in (tree / "html" / "_search" / "en.js").read_text()
    assert _site(tree / "html") == _fresh(tree, tmp_path)


# Imported by a build but shaping no output: folders, a progress bar, the interpreter's own setup
_NOT_RENDERING = {"platformdirs", "tqdm", "setuptools", "pip", "annotated-optimizers"}


def test_every_package_a_build_imports_is_in_the_cache_salt_and_the_stamp(tree: Path) -> None:
    """
    A tool upgraded under a cache is found by the stamp (its files) and by the salt
    (its version), so an edit build never keeps what the old version made: every
    third-party package a cold build imports is named by both, or shapes no output.
    """
    import importlib.metadata

    from site_gen import cache, stamp

    script = ("import sys; from site_gen.cli import main; main(sys.argv[1:]); "
              "print(sorted({n.split('.')[0] for n, m in list(sys.modules.items()) if getattr(m, '__file__', None) "
              "and 'site-packages' in m.__file__}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, "build", "--root", str(tree), "--no-cache", "-j", "1"],
                          env=env, check=True, capture_output=True, text=True)
    imported = [name for name in eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our subprocess's list
                if not name.startswith(("__editable__", "_distutils_hack"))]  # what pip and setuptools put on the path
    owners = importlib.metadata.packages_distributions()
    distributions = {dist.lower() for name in imported for dist in owners.get(name, [name])} - _NOT_RENDERING
    assert distributions and distributions <= {name.lower() for name in cache._TOOLS}
    assert {name for name in imported if name not in _NOT_RENDERING and "site_gen" not in name
            and not owners.get(name, [""])[0].lower() in _NOT_RENDERING} <= set(stamp._TOOLS)


def test_a_tool_changed_under_the_same_version_changes_the_caches_salt(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A patched or editable install keeps its version: the salt follows the tool's files too, as the stamp does."""
    from site_gen import cache, stamp

    package = tmp_path / "installed" / "renderer"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("ALPHA = 'α'\n")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setattr(stamp, "_TOOLS", (*stamp._TOOLS, "renderer"))
    before = cache.tool_versions()
    assert cache.tool_versions() == before
    (package / "__init__.py").write_text("ALPHA = 'ɑ'\n")  # the same size
    os.utime(package / "__init__.py", ns=(1, 10**18))
    assert cache.tool_versions() != before
