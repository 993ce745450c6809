"""
Rendering is pure: a page is made from its task and the site the pool
initializer hands the workers, so

- every problem rendering finds is part of the page's result: reported alike
  by one process, by forked workers and from the cache;
- nothing is read from the disk while rendering: with the project gone, the
  planned tasks still render to the very same pages.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

from site_gen import config as site_config
from site_gen.build import _renderer
from site_gen.cache import Cache
from site_gen.cli import main
from site_gen.definitions import collect as collect_definitions
from site_gen.files import FileMap, Files, discover
from site_gen.plan import plan
from site_gen.produce import _render
from site_gen.read import read_all

PAGES = 10  # enough outputs per language for the build to fork workers


def _project(root: Path) -> None:
    """Ten small pages in English and Japanese, with translation tables broken in the ways a translator breaks them."""
    (root / "pkg").mkdir(parents=True)
    for n in range(PAGES):
        (root / "pkg" / f"p{n}.py").write_text(
            f'"""\n# Page {n}\n\nThe step of page {n} follows [the first](p0.py).\n"""\n\nX = {n}\n')
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", root / "templates")
    (root / "pyproject.toml").write_text('[tool.site_gen]\ntitle = "Ten pages"\nlanguages = ["en", "ja"]\n\n'
                                         '[[tool.site_gen.sources]]\ndir = "pkg"\n')
    main(["translate", "update", "--root", str(root)])
    tables = root / "translations" / "ja"
    # A link to no page, inside a translation: only rendering the Japanese page finds it
    p1 = json.loads((tables / "p1.json").read_text())
    p1["The step of page 1 follows [the first](p0.py)."] = "一つ目の[ページ](missing.py)に続きます。"
    (tables / "p1.json").write_text(json.dumps(p1, ensure_ascii=False, indent=2))
    (tables / "p2.json").write_text('{"# Page 2": "# 二"')  # not JSON
    (tables / "_ui.json").write_text('{"Home": ')  # the interface table, not JSON


def _build(root: Path, out: Path, *options: str) -> tuple[list[str], str]:
    """The warnings of a build, and all it said."""
    err, out_text = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out_text):
        main(["build", "--root", str(root), "--out", str(out), *options])
    warnings = [line for line in err.getvalue().splitlines() if not line.startswith("note:")]
    return warnings, out_text.getvalue() + err.getvalue()


def test_problems_found_rendering_are_reported_alike_by_any_process_and_from_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _project(root)
    tables = root / "translations" / "ja"
    one, _ = _build(root, tmp_path / "one", "--jobs", "1", "--no-cache")
    assert any(w.startswith(f"{tables / 'p1.json'}:") and "missing.py" in w for w in one), one
    assert any(w.startswith(f"{tables / 'p2.json'}:") and "not valid JSON" in w for w in one), one
    assert any(w.startswith(f"{tables / '_ui.json'}:") and "not valid JSON" in w for w in one), one
    forked, _ = _build(root, tmp_path / "forked", "--jobs", "2")  # fills the cache
    cached, said = _build(root, tmp_path / "cached", "--jobs", "2")  # another folder: no shortcut, pages from the cache
    assert " 0 rendered" in said
    assert one == forked == cached


def _stages(root: Path):
    """The planned tasks, and the renderer made from them, as `build` makes them."""
    config = site_config.load(root)
    cache = Cache(None, [])
    files = Files(config, discover(config), FileMap.gather(config))
    reading = read_all(config, files.sources, cache, [], 1)
    definitions = collect_definitions(reading.documents)
    planned = plan(config, files, reading.documents, definitions)
    return planned, _renderer(config, files, reading, planned, cache, definitions, {})()


def test_rendering_reads_nothing_from_the_disk(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _project(root)
    planned, site = _stages(root)
    root.rename(tmp_path / "gone")  # sources, templates and translation tables: out of reach before the first page
    # result, HTML and cache entry of every task
    rendered = [_render(site, (task, True))[:3] for language in planned.tasks for task in language]
    (tmp_path / "gone").rename(root)
    planned, site = _stages(root)
    assert rendered == [_render(site, (task, True))[:3] for language in planned.tasks for task in language]
    assert any(result.problems for result, _, _ in rendered)  # the broken tables are found, from the tasks alone
