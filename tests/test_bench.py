"""
The benchmark corpus and `bench/bench.py`. No time is asserted: the corpus
must be what it claims to be (as the site generator itself reads it), the
same for the same seed, and the benchmark must run end to end.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_gen.grammar import formulas
from site_gen.split import split

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
from corpus import generate  # noqa: E402


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_corpus_is_what_it_claims_as_the_generator_reads_it(tmp_path: Path) -> None:
    stats = generate(tmp_path, files=40)
    uses: list[tuple[str, bool]] = []
    for path in sorted(tmp_path.rglob("*.py")):
        sections, problems = split(path.read_text())
        assert problems == [], path
        for section in sections:
            uses.extend(formulas(section.doc))
    assert len(list(tmp_path.rglob("*.py"))) == stats.files == 40
    assert len(uses) == stats.formula_uses
    assert len({tex for tex, _ in uses}) == stats.distinct_formulas
    assert stats.formula_uses > 2 * stats.distinct_formulas  # formulas recur, as notation does
    assert any("\\begin{align}" in tex for tex, _ in uses)
    assert any(display for _, display in uses) and any(not display for _, display in uses)
    text = "\n".join(p.read_text() for p in tmp_path.rglob("*.py"))
    assert "# | symbol | meaning |" in text and "# * " in text  # tables and lists in the prose


def test_default_corpus_has_the_size_of_the_issue(tmp_path: Path) -> None:
    stats = generate(tmp_path)
    assert 200 <= stats.files <= 240
    assert 1400 <= stats.distinct_formulas <= 1600
    assert 3400 <= stats.formula_uses <= 3800


def test_corpus_depends_only_on_its_seed(tmp_path: Path) -> None:
    generate(tmp_path / "a", files=30, seed=5)
    generate(tmp_path / "b", files=30, seed=5)
    generate(tmp_path / "c", files=30, seed=6)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


@pytest.mark.slow
def test_bench_quick_runs_end_to_end() -> None:
    done = subprocess.run([sys.executable, str(BENCH / "bench.py"), "--quick"], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("formula corpus:", "stdlib:", "this site:"):
        assert heading in out
    assert out.count("pycco 0.6.0") == 2
    assert out.count("x pycco") == 4  # --no-cache and a fresh cache, on both corpora
    for row in ("no-op", "one-file edit", "cache after the build"):
        assert row in out
    # The edit taken by the warm builder the cold build left (its fork's peak is not known), then not
    assert re.search(r"one-file edit +[\d.]+ s .* peak +– ", out), out
    assert re.search(r"one-file edit, cold process +[\d.]+ s .* peak +\d+ MB", out), out
