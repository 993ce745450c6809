"""One translation table per source: sources with the same relative path never share (and overwrite) one."""

from __future__ import annotations

import json
from pathlib import Path

from site_gen.build import build
from site_gen.cli import main
from site_gen.config import load

FILES = {"pkg/__init__.py": "Home of pkg.", "pkg/feed_forward.py": "Feed forward of pkg.",
         "pkg/readme.py": "Readme code of pkg.", "pkg/readme.md": "Readme prose of pkg.",
         "other/__init__.py": "Home of other.", "other/feed_forward.py": "Feed forward of other."}


def project(tmp_path: Path) -> Path:
    for name, words in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f'"""\n{words}\n"""\nx = 1\n' if name.endswith(".py") else f"{words}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\ntitle = "Q"\nlanguages = ["en", "ja"]\n'
                                             '[[tool.site_gen.sources]]\ndir = "pkg"\n'
                                             '[[tool.site_gen.sources]]\ndir = "other"\nprefix = "other"\n')
    return tmp_path


def test_each_source_has_its_own_table_and_keeps_its_translations(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert main(["translate", "update", "--root", str(root)]) == 0
    tables = {p.relative_to(root / "translations" / "ja").as_posix() for p in (root / "translations" / "ja").rglob("*.json")}
    assert {"__init__.json", "feed_forward.json", "readme.json", "readme.md.json",
            "other/__init__.json", "other/feed_forward.json"} <= tables
    for table in (root / "translations" / "ja").rglob("*.json"):
        if table.name == "_ui.json":
            continue
        entries = json.loads(table.read_text())
        table.write_text(json.dumps({english: f"訳:{english}" for english in entries}, ensure_ascii=False))
    assert main(["translate", "update", "--root", str(root)]) == 0  # a second update overwrites nothing
    build(load(root, out=root / "html"), use_cache=False)
    for name, words in FILES.items():
        shown = [p for p in (root / "html" / "ja").rglob("*.html") if f"訳:{words}" in p.read_text("utf-8")]
        assert shown, f"{name}: its translation is lost"
