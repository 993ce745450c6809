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


def test_translations_are_complete_and_valid(capsys) -> None:
    from site_gen.cli import main

    assert main(["translate", "check", "--root", str(ROOT)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    main(["translate", "status", "--root", str(ROOT)])
    totals = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("total")]
    assert totals and all(line.rstrip().endswith("100.0%") for line in totals), totals


def test_every_formula_of_an_english_page_appears_in_its_translations() -> None:
    import html
    import re

    from site_gen.translate import tex_spacing_removed

    # Compared as TeX reads them: a line break inside a formula is a space (a reflow is no change)
    formulas = lambda path: sorted(tex_spacing_removed(html.unescape(tex)) for tex in re.findall(
        r'<annotation encoding="application/x-tex">(.*?)</annotation>', path.read_text("utf-8"), re.DOTALL))
    english_pages = sorted((ROOT / "html" / "optimizers").glob("*.html"))
    assert english_pages
    for english in english_pages:
        for lang in ("ja", "zh"):
            translated = ROOT / "html" / lang / "optimizers" / english.name
            assert formulas(translated) == formulas(english), (lang, english.name)
