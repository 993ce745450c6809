"""The committed site is exactly what `make html` builds from this checkout."""

from __future__ import annotations

import filecmp
from pathlib import Path

from site_gen.build import build
from site_gen.config import load

ROOT = Path(__file__).resolve().parent.parent


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_committed_html_matches_a_fresh_build(tmp_path: Path) -> None:
    out = tmp_path / "html"
    report = build(load(ROOT, out=out))
    assert [str(p) for p in report.problems] == []
    fresh, committed = files_under(out), files_under(ROOT / "html")
    assert fresh == committed, "html/ is stale: run `make html` and commit the result"
    _, mismatch, errors = filecmp.cmpfiles(out, ROOT / "html", sorted(fresh), shallow=False)
    assert mismatch == [] and errors == [], f"html/ is stale for {mismatch + errors}: run `make html` and commit"


def test_every_optimizer_source_has_a_page() -> None:
    sources = sorted(p.stem for p in (ROOT / "labml_nn" / "optimizers").glob("*.py") if p.stem != "__init__")
    pages = sorted(p.stem for p in (ROOT / "html" / "optimizers").glob("*.html") if p.stem != "index")
    assert sources and set(sources) <= set(pages)
